"""What a wallet card shows comes from one place: the chain's name and PNG logo, the guest's level and balance, and
the QR value the till looks guests up by (the till's own search finds the guest from it)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.access import resolve_access
from guests.models import Guest
from loyalty.selectors import guest_balance
from loyalty.services.program import create_level
from pos.till import find_at_till
from tenants.services import set_chain_logo
from tenants.tests.test_chain_logo_upload import PNG
from tests.fixtures import ChainWorld
from wallet.models import WalletPlatform
from wallet.selectors import apple_pass_of_card, card_facts
from wallet.services import issue_card
from wallet.tests.certificates import WalletCertificates


def test_the_card_shows_the_chain_level_balance_and_the_tills_qr(
    alpha: ChainWorld, guest: Guest, spend: Callable[..., Any]
) -> None:
    create_level(actor=None, name="Silver", threshold_amount=Decimal(500), earn_rate_percent=Decimal(7))
    spend(guest, "1000")
    facts = card_facts(guest)
    assert (facts.chain_name, facts.guest_name) == (alpha.chain.name, "Anna Petrova")
    assert facts.level_name == "Silver"
    assert facts.points == guest_balance(guest=guest).available > 0


def test_the_tills_search_finds_the_guest_by_the_cards_qr(alpha: ChainWorld, guest: Guest) -> None:
    access = resolve_access(alpha.user("cashier"), alpha.chain.id)
    assert access is not None
    assert find_at_till(access=access, text=card_facts(guest).qr_value).guest == guest


def test_the_chains_png_logo_is_the_passes_logo(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, chain_storage: Any
) -> None:
    set_chain_logo(chain=alpha.chain, actor=alpha.user("owner"), upload=SimpleUploadedFile("logo.png", PNG))
    with zipfile.ZipFile(io.BytesIO(apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE)))) as z:
        assert z.read("logo.png") == PNG
