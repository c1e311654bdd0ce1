"""The signed unsubscribe link works without signing in: GET asks to confirm, POST (a person's, or a mail client's
one-click POST without CSRF) withdraws email consent with its time and source; a forged or foreign link is refused."""

from __future__ import annotations

from django.test import Client
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from guests.models import Guest
from messaging.unsubscribe_links import unsubscribe_token


def _link(world, guest) -> str:
    return f"/messaging/unsubscribe/{unsubscribe_token(guest_id=guest.pk, schema_name=world.chain.schema_name)}/"


def _mail_client(world) -> Client:
    return Client(HTTP_HOST=world.host, enforce_csrf_checks=True)


def test_opening_the_link_asks_to_confirm_and_changes_nothing(alpha, make_guest):
    guest = make_guest(email="look@example.com", consents={"email": True})

    response = _mail_client(alpha).get(_link(alpha, guest))

    assert response.status_code == 200
    assert "Unsubscribe from our email?" in response.content.decode()
    assert Guest.objects.get(pk=guest.pk).has_consent("email")


def test_confirming_withdraws_email_consent_with_its_source(alpha, make_guest):
    guest = make_guest(email="bye@example.com", consents={"email": True, "sms": True})

    response = _mail_client(alpha).post(_link(alpha, guest))

    guest = Guest.objects.get(pk=guest.pk)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not guest.has_consent("email") and guest.email_consent_withdrawn_at is not None
    assert guest.has_consent("sms")  # only email
    entry = AuditEntry.objects.filter(action="guest.consent_withdrawn", object_id=str(guest.pk)).get()
    assert entry.data == {"source": "unsubscribe link"}


def test_a_mail_clients_one_click_post_unsubscribes(alpha, make_guest):
    guest = make_guest(email="oneclick@example.com", consents={"email": True})

    response = _mail_client(alpha).post(
        _link(alpha, guest), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert not Guest.objects.get(pk=guest.pk).has_consent("email")


def test_a_forged_link_is_refused_with_a_readable_page(alpha, make_guest):
    guest = make_guest(email="forged@example.com", consents={"email": True})
    token = unsubscribe_token(guest_id=guest.pk, schema_name=alpha.chain.schema_name)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = _mail_client(alpha).post(f"/messaging/unsubscribe/{forged}/")

    assert response.status_code == 404
    assert "Ссылка для отписки недействительна." in response.content.decode()  # the chain's language: Russian
    assert Guest.objects.get(pk=guest.pk).has_consent("email")


def test_chain_a_link_on_chain_b_host_changes_nothing(alpha, beta, make_guest):
    guest = make_guest(email="cross@example.com", consents={"email": True})

    response = _mail_client(beta).post(_link(alpha, guest))

    assert response.status_code == 404
    with schema_context(alpha.chain.schema_name):  # the request left the connection on chain B's schema
        assert Guest.objects.get(pk=guest.pk).has_consent("email")
