"""Owners, admins and managers (within their guests) send a guest the signed "add to wallet" link from the guest's
page: a service message through the channel messaging chooses, audited; the guest API's detail tells which wallets
hold the card, on how many devices, and when it last changed."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime

from audit.models import AuditEntry
from guests.models import Guest
from guests.services import block_guest
from messaging.models import Message
from tests.fixtures import ChainWorld, api_as, signed_in_client
from wallet.models import WalletPlatform
from wallet.selectors import guest_of_link
from wallet.services import LINK_MESSAGE_KIND, issue_card, register_device
from wallet.tests.certificates import WalletCertificates


@pytest.fixture
def guest(guest: Guest, alpha: ChainWorld) -> Guest:
    """The wallet tests' guest, at the manager's restaurant."""
    Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[0])
    guest.refresh_from_db()
    return guest


def _send(world: ChainWorld, role: str, guest: Guest) -> int:
    return signed_in_client(world, role).post(f"/guests/{guest.pk}/wallet-link/").status_code  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_staff_send_the_link_through_messagings_channel_audited(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, role: str
) -> None:
    page = signed_in_client(alpha, role).get(f"/guests/{guest.pk}/").content.decode()
    assert 'data-testid="guest-wallet-send"' in page
    assert _send(alpha, role, guest) == 302
    message = Message.objects.get(guest=guest, kind=LINK_MESSAGE_KIND)
    assert (message.channel, message.recipient, message.is_marketing) == ("email", "anna@example.com", False)
    token = message.text_body.split("/wallet/add/")[1].split("/")[0]
    assert guest_of_link(token) == guest
    entry = AuditEntry.objects.get(action="wallet.link_sent")
    assert (entry.actor_id, entry.object_id) == (alpha.user(role).pk, str(guest.pk))
    assert entry.data["message_id"] == message.pk


def test_a_manager_cannot_send_it_to_a_guest_outside_their_restaurants(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[1])
    assert _send(alpha, "manager", guest) == 404
    assert _send(alpha, "cashier", guest) == 403
    assert not Message.objects.filter(guest=guest, kind=LINK_MESSAGE_KIND).exists()
    assert not AuditEntry.objects.filter(action="wallet.link_sent").exists()


def test_nothing_is_sent_without_a_wallet(alpha: ChainWorld, guest: Guest) -> None:
    page = signed_in_client(alpha, "owner").get(f"/guests/{guest.pk}/").content.decode()
    assert 'data-testid="guest-wallet-send"' not in page  # no wallet configured: no button
    assert _send(alpha, "owner", guest) == 302
    assert not Message.objects.filter(guest=guest, kind=LINK_MESSAGE_KIND).exists()


def test_a_blocked_guest_gets_no_link(alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest) -> None:
    block_guest(access=None, guest=guest, reason="test")
    assert _send(alpha, "owner", guest) == 302
    assert not Message.objects.filter(guest=guest, kind=LINK_MESSAGE_KIND).exists()
    assert not AuditEntry.objects.filter(action="wallet.link_sent").exists()


def test_the_guest_api_tells_the_wallets_devices_and_last_change(alpha: ChainWorld, guest: Guest) -> None:
    api = api_as(alpha, "manager")
    assert api.get(f"/api/v1/guests/{guest.pk}").json()["wallet"] == {
        "platforms": [],
        "devices": 0,
        "last_updated_at": None,
    }
    apple = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    register_device(card=apple, device_library_id="phone", push_token="t1")
    register_device(card=apple, device_library_id="watch", push_token="t2")
    google = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    wallet = api.get(f"/api/v1/guests/{guest.pk}").json()["wallet"]
    assert (wallet["platforms"], wallet["devices"]) == (["apple", "google"], 2)
    assert parse_datetime(wallet["last_updated_at"]) == max(apple.changed_at, google.changed_at)
