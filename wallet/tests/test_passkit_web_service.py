"""Apple's PassKit web service on the chain's host: a device registers with the card's token (a wrong one is 401),
lists the serials changed since its tag, fetches the latest pass (304 when unchanged, by ETag or by date, never
wrongly for a change within the second of a fetch) and unregisters."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date

from guests.models import Guest
from tests.fixtures import ChainWorld, client_on
from wallet.models import AppleDeviceRegistration, WalletCard, WalletPlatform
from wallet.services import issue_card, next_changed_at, update_changed_cards
from wallet.tests.certificates import PASS_TYPE_ID, WalletCertificates

DEVICE = "device-library-1"


def _registration_url(card: WalletCard, device: str = DEVICE) -> str:
    return f"/wallet/apple/v1/devices/{device}/registrations/{PASS_TYPE_ID}/{card.serial}"


def _register(world: ChainWorld, card: WalletCard, token: str, push_token: str = "push-token-1") -> HttpResponse:
    return client_on(world.host).post(  # type: ignore[return-value]
        _registration_url(card),
        data=json.dumps({"pushToken": push_token}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"ApplePass {token}",
    )


def test_a_device_registers_once_with_the_cards_token(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    assert _register(alpha, card, card.authentication_token).status_code == 201
    assert _register(alpha, card, card.authentication_token, push_token="push-token-2").status_code == 200
    registration = AppleDeviceRegistration.objects.get(card=card)
    assert (registration.device_library_id, registration.push_token) == (DEVICE, "push-token-2")


def test_a_wrong_token_is_401_and_registers_nothing(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    assert _register(alpha, card, card.authentication_token + "x").status_code == 401
    other = issue_card(guest=guest, platform=WalletPlatform.GOOGLE)
    assert _register(alpha, card, other.authentication_token).status_code == 401
    assert not AppleDeviceRegistration.objects.filter(card=card).exists()


def test_the_device_lists_the_cards_changed_since_its_tag(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, spend: Callable[..., Any]
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    _register(alpha, card, card.authentication_token)
    url = f"/wallet/apple/v1/devices/{DEVICE}/registrations/{PASS_TYPE_ID}"
    first = client_on(alpha.host).get(url)
    assert first.status_code == 200
    assert first.json()["serialNumbers"] == [card.serial]
    tag = first.json()["lastUpdated"]
    assert client_on(alpha.host).get(url, {"passesUpdatedSince": tag}).status_code == 204
    spend(guest, "1000")  # the balance changes: the card is updated (wallet.services.update_cards)
    later = client_on(alpha.host).get(url, {"passesUpdatedSince": tag})
    assert later.status_code == 200
    assert later.json()["serialNumbers"] == [card.serial]
    assert (
        client_on(alpha.host).get(f"/wallet/apple/v1/devices/unknown/registrations/{PASS_TYPE_ID}").status_code == 204
    )


def test_the_latest_pass_is_served_with_last_modified_and_304_when_unchanged(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    url = f"/wallet/apple/v1/passes/{PASS_TYPE_ID}/{card.serial}"
    auth = {"HTTP_AUTHORIZATION": f"ApplePass {card.authentication_token}"}
    response = client_on(alpha.host).get(url, **auth)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("pass.json"))["serialNumber"] == card.serial
    unchanged = client_on(alpha.host).get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"], **auth)
    assert unchanged.status_code == 304
    stale = http_date(card.changed_at.timestamp() - 60)
    assert client_on(alpha.host).get(url, HTTP_IF_MODIFIED_SINCE=stale, **auth).status_code == 200
    assert client_on(alpha.host).get(url, HTTP_AUTHORIZATION="ApplePass wrong").status_code == 401


def test_a_device_unregisters_and_logs_are_accepted(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    _register(alpha, card, card.authentication_token)
    deleted = client_on(alpha.host).delete(
        _registration_url(card), HTTP_AUTHORIZATION=f"ApplePass {card.authentication_token}"
    )
    assert deleted.status_code == 200
    assert not AppleDeviceRegistration.objects.filter(card=card).exists()
    logged = client_on(alpha.host).post(
        "/wallet/apple/v1/log", data=json.dumps({"logs": ["something failed"]}), content_type="application/json"
    )
    assert logged.status_code == 200


def test_the_card_of_chain_a_is_unknown_on_chain_b(
    alpha: ChainWorld, beta: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    assert _register(beta, card, card.authentication_token).status_code == 401


def test_the_web_service_is_404_when_apple_wallet_is_not_configured(alpha: ChainWorld, guest: Guest) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    assert _register(alpha, card, card.authentication_token).status_code == 404


def test_a_change_within_the_second_of_a_fetch_is_not_answered_304(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    second = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=10)
    WalletCard.objects.filter(pk=card.pk).update(changed_at=second + datetime.timedelta(milliseconds=300))
    url = f"/wallet/apple/v1/passes/{PASS_TYPE_ID}/{card.serial}"
    auth = {"HTTP_AUTHORIZATION": f"ApplePass {card.authentication_token}"}
    first = client_on(alpha.host).get(url, **auth)  # fetched at .5 of that second: Last-Modified is the second
    assert first["Last-Modified"] == http_date(second.timestamp())
    # What the card shows changed at .8 of the same second (shown figures forgotten: the round counts it changed).
    WalletCard.objects.filter(pk=card.pk).update(needs_update=True, shown_points=None)
    assert update_changed_cards(now=second + datetime.timedelta(milliseconds=800)).cards_changed == 1
    by_date = client_on(alpha.host).get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **auth)
    assert by_date.status_code == 200
    assert by_date["Last-Modified"] != first["Last-Modified"]
    by_tag = client_on(alpha.host).get(url, HTTP_IF_NONE_MATCH=first["ETag"], **auth)
    assert by_tag.status_code == 200
    assert by_tag["ETag"] != first["ETag"]
    assert client_on(alpha.host).get(url, HTTP_IF_NONE_MATCH=by_tag["ETag"], **auth).status_code == 304
    # If-None-Match decides when both are sent: a current date does not hide an old tag.
    both = client_on(alpha.host).get(
        url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=by_date["Last-Modified"], **auth
    )
    assert both.status_code == 200


def test_next_changed_at_leaves_the_second_of_the_previous_change() -> None:
    previous = datetime.datetime(2026, 12, 7, 12, 0, 0, 300_000, tzinfo=datetime.UTC)
    same_second = previous.replace(microsecond=800_000)
    assert next_changed_at(previous, same_second) == previous.replace(second=1, microsecond=0)
    later = previous.replace(second=5)
    assert next_changed_at(previous, later) == later
