"""A suspended chain is read-only for staff pages and the API, yet POS checks still earn and paying still works."""

from __future__ import annotations

import pytest

from billing.models import State
from billing.tests.conftest import put_on_plan
from pos.services import create_connection
from pos.tests.conftest import SignedWebhook, balance, check_payload, process_everything
from tests.checks import register_guest
from tests.fixtures import api_as, api_on, signed_in_client

pytestmark = pytest.mark.django_db


def test_pages_refuse_changes_with_a_way_to_pay(alpha):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business", state=State.SUSPENDED)
    owner = signed_in_client(alpha, "owner")
    refused = owner.post("/staff/invite/", {"email": "new@alpha.test", "role": "admin"})
    assert refused.status_code == 409
    assert "read-only" in refused.content.decode()
    assert 'href="/billing/"' in refused.content.decode()
    assert owner.get("/staff/").status_code == 200
    assert owner.get("/billing/").status_code == 200
    assert owner.post("/accounts/logout/").status_code == 302


def test_api_refuses_changes_and_keeps_reads(alpha):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business", state=State.SUSPENDED)
    api = api_as(alpha, "owner")
    refused = api.post("/api/v1/restaurants", {"name": "New"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "subscription_suspended"
    assert refused.json()["error"]["pay_url"] == "/billing/"
    assert api.get("/api/v1/restaurants").status_code == 200


def test_pos_webhook_still_earns_points_while_suspended(alpha):  # type: ignore[no-untyped-def]
    connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till 1"
    )
    guest = register_guest(phone="+79165550001", first_name="Vera")
    put_on_plan(alpha, "business", state=State.SUSPENDED)
    webhook = SignedWebhook(connection=connection, secret=issued.signing_secret, client=api_on(alpha.host))
    response = webhook.post(check_payload("suspended-1", guest=guest))
    assert response.status_code in (200, 201, 202), response.content
    process_everything()
    assert balance(guest) > 0


def test_a_guest_can_still_unsubscribe_and_providers_still_report(alpha):  # type: ignore[no-untyped-def]
    """A guest's "no more mail" and the email provider's bounces hold whatever the chain's billing state."""
    from guests.models import Guest
    from guests.services import create_guest
    from messaging.unsubscribe_links import unsubscribe_token

    guest = create_guest(access=None, phone="+79165550002", email="olga@example.com", consents={"email": True})
    put_on_plan(alpha, "business", state=State.SUSPENDED)
    token = unsubscribe_token(guest_id=guest.pk, schema_name=alpha.chain.schema_name)

    unsubscribed = api_on(alpha.host).post(f"/messaging/unsubscribe/{token}/")
    tracked = api_on(alpha.host).post("/messaging/webhooks/sendgrid/tracking/", "[]", content_type="application/json")

    assert unsubscribed.status_code == 200
    assert tracked.status_code != 409  # refused by its own check (no credentials), not by the billing state
    assert not Guest.objects.get(pk=guest.pk).has_consent("email")
