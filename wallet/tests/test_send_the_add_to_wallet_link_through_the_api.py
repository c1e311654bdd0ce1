"""POST /api/v1/guests/{id}/wallet-link sends the guest the add-to-wallet link through the guest page's service
(wallet.services.send_add_to_wallet_link): a service message, audited, once a minute (a second send in the minute
is refused 429, on the page too); 404 without a wallet or outside the member's guests or chain, 409 for a guest
who is not active, 403 for cashiers."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from guests.models import Guest
from guests.services import block_guest
from messaging.models import Message
from tests.fixtures import ChainWorld, api_as, signed_in_client
from wallet.services import LINK_MESSAGE_KIND
from wallet.tests.certificates import WalletCertificates


@pytest.fixture
def guest(guest: Guest, alpha: ChainWorld) -> Guest:
    """The wallet tests' guest, at the manager's restaurant."""
    Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[0])
    guest.refresh_from_db()
    return guest


def _well_within_a_minute() -> None:
    """The two sends of a test fall in one minute (the limit's): started again past a minute's 55th second."""
    now = timezone.now()
    if now.second >= 55:
        time.sleep(61 - now.second)


def _links(guest: Guest) -> int:
    return Message.objects.filter(guest=guest, kind=LINK_MESSAGE_KIND).count()


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_staff_send_the_link_once_a_minute_audited(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, role: str
) -> None:
    api = api_as(alpha, role)
    _well_within_a_minute()
    response = api.post(f"/api/v1/guests/{guest.pk}/wallet-link")
    assert response.status_code == 202, response.content
    message = Message.objects.get(guest=guest, kind=LINK_MESSAGE_KIND)
    assert response.json() == {"message_id": message.pk, "channel": "email", "status": message.status, "reason": ""}
    assert "/wallet/add/" in message.text_body
    entry = AuditEntry.objects.get(action="wallet.link_sent")
    assert (entry.actor_id, entry.object_id, entry.data["message_id"]) == (
        alpha.user(role).pk,
        str(guest.pk),
        message.pk,
    )

    again = api.post(f"/api/v1/guests/{guest.pk}/wallet-link")
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "wallet_link_sent_recently"
    assert _links(guest) == 1 and AuditEntry.objects.filter(action="wallet.link_sent").count() == 1


def test_the_page_is_refused_the_second_send_of_the_minute_too(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    _well_within_a_minute()
    assert api_as(alpha, "owner").post(f"/api/v1/guests/{guest.pk}/wallet-link").status_code == 202
    page = signed_in_client(alpha, "admin")
    response = page.post(f"/guests/{guest.pk}/wallet-link/", follow=True)
    assert "a moment ago" in response.content.decode()
    assert _links(guest) == 1 and AuditEntry.objects.filter(action="wallet.link_sent").count() == 1


def test_without_a_wallet_or_for_a_blocked_guest_nothing_is_sent(alpha: ChainWorld, guest: Guest) -> None:
    api = api_as(alpha, "owner")
    unconfigured = api.post(f"/api/v1/guests/{guest.pk}/wallet-link")
    assert (unconfigured.status_code, unconfigured.json()["error"]["code"]) == (404, "wallet_not_configured")
    block_guest(access=None, guest=guest, reason="test")
    blocked = api.post(f"/api/v1/guests/{guest.pk}/wallet-link")
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (409, "wallet_guest_not_active")
    assert _links(guest) == 0 and not AuditEntry.objects.filter(action="wallet.link_sent").exists()


def test_outside_the_members_guests_or_chain_nothing_is_sent(
    alpha: ChainWorld, beta: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    assert api_as(alpha, "cashier").post(f"/api/v1/guests/{guest.pk}/wallet-link").status_code == 403
    assert api_as(beta, "owner").post(f"/api/v1/guests/{guest.pk}/wallet-link").status_code == 404
    with schema_context(alpha.chain.schema_name):
        Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[1])
    assert api_as(alpha, "manager").post(f"/api/v1/guests/{guest.pk}/wallet-link").status_code == 404
    with schema_context(alpha.chain.schema_name):
        assert _links(guest) == 0 and not AuditEntry.objects.filter(action="wallet.link_sent").exists()
