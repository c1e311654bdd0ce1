"""After a check moves a guest's balance, every Apple device holding the guest's card gets one empty push on the
pass type's topic, through a TLS connection made with the pass certificate; nothing is pushed when nothing moved;
a device APNs answers 410 for is unregistered; a burst of checks while a round is queued makes one push."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from guests.models import Guest
from loyalty.selectors import guest_balance
from tests.fixtures import ChainWorld
from wallet.models import AppleDeviceRegistration, WalletCard, WalletPlatform
from wallet.services import issue_card, note_balances_changed, register_device, round_key, update_changed_cards
from wallet.tests.certificates import PASS_TYPE_ID, WalletCertificates
from wallet.tests.fake_apns import FakeApns


def _card_on_devices(guest: Guest, *tokens: str) -> WalletCard:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    for number, token in enumerate(tokens):
        register_device(card=card, device_library_id=f"device-{number}", push_token=token)
    return card


def test_a_check_pushes_each_device_of_the_card_once_on_the_pass_topic(
    alpha: ChainWorld, apple_wallet: WalletCertificates, apns: FakeApns, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = _card_on_devices(guest, "token-phone", "token-watch")
    spend(guest, "1000")
    assert sorted(push.token for push in apns.pushes) == ["token-phone", "token-watch"]
    assert {(push.topic, push.client_uid, push.body) for push in apns.pushes} == {(PASS_TYPE_ID, PASS_TYPE_ID, b"{}")}
    card.refresh_from_db()
    assert card.shown_points == guest_balance(guest=guest).available > 0


def test_nothing_is_pushed_when_the_balance_and_level_did_not_move(
    alpha: ChainWorld, apple_wallet: WalletCertificates, apns: FakeApns, guest: Guest
) -> None:
    _card_on_devices(guest, "token-phone")
    note_balances_changed(guest_ids=[guest.pk])
    assert apns.pushes == []


def test_a_device_answered_410_is_unregistered(
    alpha: ChainWorld, apple_wallet: WalletCertificates, apns: FakeApns, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = _card_on_devices(guest, "token-kept", "token-gone")
    apns.gone.add("token-gone")
    spend(guest, "1000")
    assert sorted(push.token for push in apns.pushes) == ["token-gone", "token-kept"]
    assert list(AppleDeviceRegistration.objects.filter(card=card).values_list("push_token", flat=True)) == [
        "token-kept"
    ]


def test_checks_made_while_a_round_is_queued_make_one_push_with_the_last_balance(
    alpha: ChainWorld, apple_wallet: WalletCertificates, apns: FakeApns, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = _card_on_devices(guest, "token-phone")
    cache.add(round_key(), 1)  # the first change of the burst queued the round (WALLET_PUSH_DELAY_SECONDS ahead)
    spend(guest, "1000")
    spend(guest, "500")
    spend(guest, "700")
    assert apns.pushes == []
    update_changed_cards()  # the queued round runs
    assert [push.token for push in apns.pushes] == ["token-phone"]
    card.refresh_from_db()
    assert card.shown_points == guest_balance(guest=guest).available


def test_a_guest_without_a_card_costs_no_round(
    alpha: ChainWorld, apple_wallet: WalletCertificates, apns: FakeApns, guest: Guest, spend: Callable[..., Any]
) -> None:
    spend(guest, "1000")
    assert cache.get(round_key()) is None
    assert apns.pushes == []
