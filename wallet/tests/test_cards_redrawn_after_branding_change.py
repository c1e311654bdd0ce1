"""When the chain's name, logo or card colours change, every card already in a phone is redrawn: the Apple cards
are marked, their changed_at moves and their devices are pushed (the coalesced round), and the chain's Google
loyaltyClass is sent through the REST API (PATCH, inserted when Google does not know it), its objects updated."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from guests.models import Guest
from tenants.services import set_card_colours, set_chain_logo, update_chain_profile
from tenants.tests.test_chain_logo_upload import PNG
from tests.fixtures import ChainWorld
from wallet.models import WalletCard, WalletPlatform
from wallet.services import issue_card, register_device, round_key
from wallet.tests.certificates import WalletCertificates
from wallet.tests.conftest import ISSUER_ID
from wallet.tests.fake_apns import FakeApns
from wallet.tests.fake_google_wallet import ACCESS_TOKEN, FakeGoogleWallet

BRAND = {"card_background": "#0b3d2e", "card_foreground": "#ffffff", "card_label": "#a8e6cf"}


def _apple_card(guest: Guest) -> WalletCard:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    register_device(card=card, device_library_id="phone", push_token="token-phone")
    return card


def test_new_colours_push_every_apple_card_and_update_the_google_class_and_objects(
    alpha: ChainWorld,
    apple_wallet: WalletCertificates,
    apns: FakeApns,
    google_wallet: FakeGoogleWallet,
    guest: Guest,
    django_capture_on_commit_callbacks: Any,
) -> None:
    apple = _apple_card(guest)
    google = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    object_id = f"{ISSUER_ID}.{google.serial}"
    google_wallet.objects[object_id] = {"id": object_id}  # the guest saved it; the class is unknown to Google yet
    before = apple.changed_at
    with django_capture_on_commit_callbacks(execute=True):
        set_card_colours(chain=alpha.chain, actor=alpha.user("owner"), **BRAND)
    assert [push.token for push in apns.pushes] == ["token-phone"]
    apple.refresh_from_db()
    assert apple.changed_at > before and not apple.needs_update
    class_id = f"{ISSUER_ID}.alpha"
    class_calls = [(method, path, auth) for method, path, auth, _body in google_wallet.calls if "Class" in path]
    assert class_calls == [
        ("PATCH", f"/walletobjects/v1/loyaltyClass/{class_id}", f"Bearer {ACCESS_TOKEN}"),
        ("POST", "/walletobjects/v1/loyaltyClass", f"Bearer {ACCESS_TOKEN}"),
    ]
    assert google_wallet.classes[class_id]["hexBackgroundColor"] == "#0b3d2e"
    assert google_wallet.classes[class_id]["issuerName"] == alpha.chain.name
    assert google_wallet.objects[object_id]["hexBackgroundColor"] == "#0b3d2e"


def test_a_known_class_is_patched_with_the_new_name(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest, django_capture_on_commit_callbacks: Any
) -> None:
    class_id = f"{ISSUER_ID}.alpha"
    google_wallet.classes[class_id] = {"id": class_id, "issuerName": "Alpha"}
    issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    with django_capture_on_commit_callbacks(execute=True):
        update_chain_profile(chain=alpha.chain, actor=alpha.user("owner"), name="Alpha Grill")
    assert [call[0] for call in google_wallet.calls if "Class" in call[1]] == ["PATCH"]
    assert google_wallet.classes[class_id]["issuerName"] == "Alpha Grill"


def test_a_new_logo_pushes_the_apple_cards(
    alpha: ChainWorld,
    apple_wallet: WalletCertificates,
    apns: FakeApns,
    guest: Guest,
    chain_storage: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _apple_card(guest)
    with django_capture_on_commit_callbacks(execute=True):
        set_chain_logo(chain=alpha.chain, actor=alpha.user("owner"), upload=SimpleUploadedFile("logo.png", PNG))
    assert [push.token for push in apns.pushes] == ["token-phone"]


def test_a_change_of_time_zone_redraws_nothing(
    alpha: ChainWorld,
    apple_wallet: WalletCertificates,
    apns: FakeApns,
    guest: Guest,
    django_capture_on_commit_callbacks: Any,
) -> None:
    card = _apple_card(guest)
    with django_capture_on_commit_callbacks(execute=True):
        update_chain_profile(chain=alpha.chain, actor=alpha.user("owner"), time_zone="Asia/Almaty")
    assert apns.pushes == []
    card.refresh_from_db()
    assert not card.needs_update
    assert cache.get(round_key()) is None
