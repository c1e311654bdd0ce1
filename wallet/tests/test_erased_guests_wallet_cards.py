"""Erasing a guest removes their wallet cards and the push tokens of their devices; a phone asking for the pass
afterwards is refused. Other guests' cards stay."""

from __future__ import annotations

from collections.abc import Callable

from guests.models import Guest
from guests.services import erase_guest
from tests.fixtures import ChainWorld, client_on
from wallet.models import AppleDeviceRegistration, WalletCard, WalletPlatform
from wallet.services import issue_card, register_device
from wallet.tests.certificates import PASS_TYPE_ID, WalletCertificates


def test_the_erased_guests_cards_and_devices_go_and_others_stay(
    alpha: ChainWorld, apple_wallet: WalletCertificates, make_guest: Callable[..., Guest]
) -> None:
    erased, kept = make_guest(first_name="Vera"), make_guest(first_name="Kira")
    card = issue_card(guest=erased, platform=WalletPlatform.APPLE)
    register_device(card=card, device_library_id="phone", push_token="vera-token")
    issue_card(guest=kept, platform=WalletPlatform.APPLE)
    erase_guest(guest=erased, access=None, reason="guest asked to be forgotten")
    assert not WalletCard.objects.filter(guest=erased).exists()
    assert not AppleDeviceRegistration.objects.filter(push_token="vera-token").exists()
    assert WalletCard.objects.filter(guest=kept).exists()
    fetched = client_on(alpha.host).get(
        f"/wallet/apple/v1/passes/{PASS_TYPE_ID}/{card.serial}",
        HTTP_AUTHORIZATION=f"ApplePass {card.authentication_token}",
    )
    assert fetched.status_code == 401
