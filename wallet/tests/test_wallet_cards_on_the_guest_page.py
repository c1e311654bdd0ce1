"""Staff see on the guest's page whether the guest keeps the card in a phone's wallet, and on how many devices."""

from __future__ import annotations

from guests.models import Guest
from tests.fixtures import ChainWorld, signed_in_client
from wallet.models import WalletPlatform
from wallet.services import issue_card, register_device


def _wallet_cell(world: ChainWorld, guest: Guest) -> str:
    page = signed_in_client(world, "owner").get(f"/guests/{guest.pk}/").content.decode()
    start = page.index('data-testid="guest-wallet-cards">')
    return page[start : page.index("</dd>", start)].split(">", 1)[1]


def test_the_guest_page_shows_the_wallet_cards_and_devices(alpha: ChainWorld, guest: Guest) -> None:
    assert _wallet_cell(alpha, guest) == "—"
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    register_device(card=card, device_library_id="phone", push_token="t1")
    register_device(card=card, device_library_id="watch", push_token="t2")
    issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    assert _wallet_cell(alpha, guest) == "Apple Wallet (2 devices), Google Wallet"
