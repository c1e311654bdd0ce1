"""The wallet's public doors. Apple's PassKit web service on the card's chain host ({webServiceURL}/v1/...): devices register for a card's
updates, ask which of their cards changed, fetch the latest pass, send their logs. Authenticated by the card's
token ("Authorization: ApplePass <token>"), rate-limited per client address like the other public doors.

The guest's signed "add to wallet" link (wallet.links): a page with a button per configured wallet, the .pkpass
download and the redirect to Google's save page; a forged link is 404, an expired one 410, both readable pages.

Protocol: https://developer.apple.com/documentation/walletpasses/adding-a-web-service-to-update-passes
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.selectors import current_chain
from maxloyalty import rate_limits
from maxloyalty.client_ip import client_ip
from maxloyalty.errors import DomainError
from maxloyalty.json_bodies import load_json
from wallet.apple_pass import PKPASS_CONTENT_TYPE
from wallet.configuration import apple_configured, google_configured
from wallet.errors import WalletLinkExpired, WalletLinkInvalid, WalletNotConfigured
from wallet.models import WalletPlatform
from wallet.selectors import (
    apple_pass_of_card,
    card_for_device,
    google_save_url_of_card,
    guest_of_link,
    serials_updated_since,
)
from wallet.services import issue_card, register_device, unregister_device

logger = logging.getLogger(__name__)

REQUESTS_PER_MINUTE = 120  # per client address: a phone makes a handful per update


def _limited(request: HttpRequest) -> HttpResponse | None:
    if not apple_configured():
        return HttpResponse(status=404)
    if not rate_limits.hit(
        scope="wallet-passkit", subject=client_ip(request), limit=REQUESTS_PER_MINUTE, window_seconds=60
    ):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    return None


def _right_pass_type(pass_type_id: str) -> bool:
    return bool(pass_type_id == settings.APPLE_PASS_TYPE_ID)


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def device_registration(request: HttpRequest, device_library_id: str, pass_type_id: str, serial: str) -> HttpResponse:
    """POST: register the device for the card's updates (body {"pushToken": ...}; 201 new, 200 known);
    DELETE: unregister it (200). 401 for a wrong token or an unknown card."""
    if (refused := _limited(request)) is not None:
        return refused
    card = card_for_device(serial=serial, authorization=request.headers.get("Authorization", ""))
    if card is None or not _right_pass_type(pass_type_id):
        return HttpResponse(status=401)
    if request.method == "DELETE":
        unregister_device(card=card, device_library_id=device_library_id)
        return HttpResponse(status=200)
    try:
        body: Any = load_json(request.body)
    except ValueError:
        return HttpResponse(status=400)
    push_token = body.get("pushToken") if isinstance(body, dict) else None
    if not isinstance(push_token, str) or not push_token or len(push_token) > 200 or len(device_library_id) > 128:
        return HttpResponse(status=400)
    created = register_device(card=card, device_library_id=device_library_id, push_token=push_token)
    return HttpResponse(status=201 if created else 200)


def _since(tag: str) -> datetime.datetime | None:
    """The passesUpdatedSince tag we gave out (lastUpdated): microseconds since the epoch."""
    if not tag.isdigit() or len(tag) > 20:
        return None
    return datetime.datetime.fromtimestamp(int(tag) / 1_000_000, tz=datetime.UTC)


def _tag(moment: datetime.datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


@require_http_methods(["GET"])
def device_serials(request: HttpRequest, device_library_id: str, pass_type_id: str) -> HttpResponse:
    """The serials of the device's cards changed since the tag it sends (204 when none)."""
    if (refused := _limited(request)) is not None:
        return refused
    if not _right_pass_type(pass_type_id):
        return HttpResponse(status=404)
    cards = serials_updated_since(
        device_library_id=device_library_id, since=_since(request.GET.get("passesUpdatedSince", ""))
    )
    if not cards:
        return HttpResponse(status=204)
    last = max(card.changed_at for card in cards)
    return JsonResponse({"serialNumbers": [card.serial for card in cards], "lastUpdated": _tag(last)})


def _not_modified(request: HttpRequest, *, etag: str, changed: int) -> bool:
    """The client's copy is current. If-None-Match (the ETag: changed_at to the microsecond) decides when sent,
    as HTTP says; else If-Modified-Since, whole seconds (Apple's devices), which is right because a card's content
    never changes twice within one second (wallet.services.next_changed_at)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and changed <= since


@require_http_methods(["GET"])
def latest_pass(request: HttpRequest, pass_type_id: str, serial: str) -> HttpResponse:
    """The card's current .pkpass; 304 when the device's copy is current (If-None-Match, If-Modified-Since)."""
    if (refused := _limited(request)) is not None:
        return refused
    card = card_for_device(serial=serial, authorization=request.headers.get("Authorization", ""))
    if card is None or not _right_pass_type(pass_type_id):
        return HttpResponse(status=401)
    changed = int(card.changed_at.timestamp())
    etag = f'"{_tag(card.changed_at)}"'
    if _not_modified(request, etag=etag, changed=changed):
        return HttpResponse(status=304, headers={"ETag": etag, "Last-Modified": http_date(changed)})
    response = HttpResponse(apple_pass_of_card(card), content_type=PKPASS_CONTENT_TYPE)
    response["Last-Modified"] = http_date(changed)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@csrf_exempt
@require_POST
def device_log(request: HttpRequest) -> HttpResponse:
    """Devices report what went wrong with our web service: kept in our log (a few lines, truncated)."""
    if (refused := _limited(request)) is not None:
        return refused
    try:
        body: Any = load_json(request.body)
    except ValueError:
        return HttpResponse(status=400)
    logs = body.get("logs") if isinstance(body, dict) else None
    for line in (logs if isinstance(logs, list) else [])[:20]:
        logger.warning("Apple Wallet device log: %s", str(line)[:500])
    return HttpResponse(status=200)


LINK_REQUESTS_PER_MINUTE = 30  # per client address, on the guest's "add to wallet" pages


def _link_limited(request: HttpRequest) -> HttpResponse | None:
    if not rate_limits.hit(
        scope="wallet-link", subject=client_ip(request), limit=LINK_REQUESTS_PER_MINUTE, window_seconds=60
    ):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    return None


def _link_refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "wallet/link_invalid.html", {"error": error}, status=error.status)


@require_GET
def add(request: HttpRequest, token: str) -> HttpResponse:
    """The guest's page behind the emailed or bot link: a button per configured wallet."""
    if (refused := _link_limited(request)) is not None:
        return refused
    try:
        guest = guest_of_link(token)
    except (WalletLinkInvalid, WalletLinkExpired) as error:
        return _link_refused(request, error)
    with translation.override(guest.language or translation.get_language()):
        context = {
            "token": token,
            "chain": current_chain(),
            "first_name": guest.first_name,
            "apple": apple_configured(),
            "google": google_configured(),
        }
        return render(request, "wallet/add.html", context)


@require_GET
def add_apple(request: HttpRequest, token: str) -> HttpResponse:
    """The guest's .pkpass (the phone offers to add it to Wallet)."""
    if (refused := _link_limited(request)) is not None:
        return refused
    try:
        guest = guest_of_link(token)
        if not apple_configured():
            raise WalletNotConfigured()
    except DomainError as error:
        return _link_refused(request, error)
    with translation.override(guest.language or translation.get_language()):
        data = apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE))
    response = HttpResponse(data, content_type=PKPASS_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="card.pkpass"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def add_google(request: HttpRequest, token: str) -> HttpResponse:
    """A redirect to Google's "Save to Google Wallet" page for the guest's card."""
    if (refused := _link_limited(request)) is not None:
        return refused
    try:
        guest = guest_of_link(token)
        if not google_configured():
            raise WalletNotConfigured()
    except DomainError as error:
        return _link_refused(request, error)
    with translation.override(guest.language or translation.get_language()):
        url = google_save_url_of_card(issue_card(guest=guest, platform=WalletPlatform.GOOGLE))
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    return response
