"""Google Wallet: the "Save to Google Wallet" link is a JWT signed with the service account's key carrying the
chain's loyalty class and the guest's object (balance, QR); after a check the object is updated through the REST
API with the new balance, authorised by a token from the JWT-bearer grant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from guests.models import Guest
from loyalty.selectors import guest_balance
from tests.fixtures import ChainWorld
from wallet.models import WalletPlatform
from wallet.selectors import google_save_url_of_card
from wallet.services import issue_card
from wallet.tests.conftest import ISSUER_ID, SERVICE_ACCOUNT
from wallet.tests.fake_google_wallet import ACCESS_TOKEN, FakeGoogleWallet

SAVE_PREFIX = "https://pay.google.com/gp/v/save/"


def test_the_save_link_is_a_signed_jwt_with_the_guests_loyalty_object(
    alpha: ChainWorld,
    google_wallet: FakeGoogleWallet,
    google_key: rsa.RSAPrivateKey,
    guest: Guest,
    spend: Callable[..., Any],
) -> None:
    spend(guest, "1000")
    card = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    url = google_save_url_of_card(card)
    assert url.startswith(SAVE_PREFIX)
    claims = jwt.decode(url.removeprefix(SAVE_PREFIX), google_key.public_key(), algorithms=["RS256"], audience="google")
    assert (claims["iss"], claims["aud"], claims["typ"]) == (SERVICE_ACCOUNT, "google", "savetowallet")
    (document,) = claims["payload"]["loyaltyObjects"]
    assert document["id"] == f"{ISSUER_ID}.{card.serial}"
    assert document["classId"] == f"{ISSUER_ID}.alpha"
    assert document["loyaltyPoints"]["balance"] == {"int": guest_balance(guest=guest).available}
    assert document["barcode"] == {"type": "QR_CODE", "value": guest.qr_token, "alternateText": guest.card_number or ""}
    assert claims["payload"]["loyaltyClasses"][0]["id"] == document["classId"]


def test_a_link_signed_with_another_key_does_not_verify(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    url = google_save_url_of_card(issue_card(guest=guest, platform=WalletPlatform.GOOGLE))
    try:
        jwt.decode(url.removeprefix(SAVE_PREFIX), other.public_key(), algorithms=["RS256"], audience="google")
    except jwt.InvalidSignatureError:
        return
    raise AssertionError("a JWT verified with a key that did not sign it")


def test_a_check_updates_the_loyalty_object_with_the_new_balance(
    alpha: ChainWorld,
    google_wallet: FakeGoogleWallet,
    google_key: rsa.RSAPrivateKey,
    guest: Guest,
    spend: Callable[..., Any],
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    object_id = f"{ISSUER_ID}.{card.serial}"
    google_wallet.objects[object_id] = {"id": object_id}  # the guest saved it to Google Wallet
    spend(guest, "1000")
    (token_request,) = google_wallet.token_requests
    assert token_request["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assertion = jwt.decode(
        token_request["assertion"],
        google_key.public_key(),
        algorithms=["RS256"],
        audience=f"{google_wallet.url}/token",
    )
    assert assertion["iss"] == SERVICE_ACCOUNT
    assert assertion["scope"] == "https://www.googleapis.com/auth/wallet_object.issuer"
    ((method, path, auth, document),) = google_wallet.calls
    assert (method, path, auth) == ("PATCH", f"/walletobjects/v1/loyaltyObject/{object_id}", f"Bearer {ACCESS_TOKEN}")
    points = guest_balance(guest=guest).available
    assert points > 0
    assert document["loyaltyPoints"]["balance"] == {"int": points}
    assert google_wallet.objects[object_id]["loyaltyPoints"]["balance"] == {"int": points}


def test_an_object_google_does_not_know_yet_is_inserted(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    spend(guest, "1000")
    assert [call[0] for call in google_wallet.calls] == ["PATCH", "POST"]
    object_id = f"{ISSUER_ID}.{card.serial}"
    assert google_wallet.objects[object_id]["loyaltyPoints"]["balance"] == {"int": guest_balance(guest=guest).available}


def test_an_update_google_refuses_is_delivered_by_the_retried_round(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    object_id = f"{ISSUER_ID}.{card.serial}"
    google_wallet.objects[object_id] = {"id": object_id}
    google_wallet.failures_left = 1
    spend(guest, "1000")
    assert [call[0] for call in google_wallet.calls] == ["PATCH", "PATCH"]  # refused once, then the retry
    points = guest_balance(guest=guest).available
    assert google_wallet.objects[object_id]["loyaltyPoints"]["balance"] == {"int": points}
    card.refresh_from_db()
    assert (card.shown_points, card.needs_update) == (points, False)
