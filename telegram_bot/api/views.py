"""The Mini App's API: every call carries Telegram's initData (header X-Telegram-Init-Data), validated against
this chain's bot token. Read-only except the guest's own profile and notification settings."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guests.models import Guest, GuestStatus
from guests.services import set_consent, update_guest
from maxloyalty.api import validated
from maxloyalty.whole_numbers import whole_number
from pos.models import ClaimSource
from pos.services.claims import claim_outcome_text, claim_receipt
from telegram_bot.api.serializers import MiniAppProfileInput, MiniAppReceiptClaimInput
from telegram_bot.errors import GuestNotJoined, MiniAppUnauthorized
from telegram_bot.init_data import InitDataInvalid, validated_user
from telegram_bot.selectors import (
    bot_token,
    current_bot,
    current_promos,
    guest_of_telegram_user,
    history_page,
    mini_app_profile,
    open_restaurants,
)
from telegram_bot.services import set_notifications

INIT_DATA_HEADER = "X-Telegram-Init-Data"


def mini_app_guest(request: Request) -> Guest:
    bot = current_bot()
    if bot is None:
        raise MiniAppUnauthorized()
    try:
        user = validated_user(
            request.headers.get(INIT_DATA_HEADER, ""),
            bot_token=bot_token(bot),
            max_age_seconds=settings.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS,
        )
    except InitDataInvalid as error:
        raise MiniAppUnauthorized(reason=str(error)) from error
    guest = guest_of_telegram_user(user.id)
    if guest is None or guest.status != GuestStatus.ACTIVE:
        raise GuestNotJoined()
    return guest


class MiniAppApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []


class MiniAppProfileApi(MiniAppApi):
    def get(self, request: Request) -> Response:
        guest = mini_app_guest(request)
        profile = mini_app_profile(guest=guest)
        profile["qr_svg"] = segno.make(guest.qr_token, error="m").svg_data_uri(scale=6, border=2)
        return Response(profile)

    def patch(self, request: Request) -> Response:
        guest = mini_app_guest(request)
        data = validated(MiniAppProfileInput, request.data)
        changes: dict[str, Any] = {key: data[key] for key in ("first_name", "language") if key in data}
        if changes:
            guest = update_guest(access=None, guest=guest, data=changes)
        if "notifications_enabled" in data:
            set_notifications(guest=guest, enabled=data["notifications_enabled"])
        if "marketing_consent" in data:
            guest = set_consent(guest=guest, channel="telegram", given=data["marketing_consent"])
        return Response(mini_app_profile(guest=guest))


class MiniAppHistoryApi(MiniAppApi):
    def get(self, request: Request) -> Response:
        guest = mini_app_guest(request)
        page = request.query_params.get("page", "0")
        entries, has_older = history_page(guest=guest, page=whole_number(page, default=0, maximum=100_000), size=20)
        return Response(
            {
                "results": [
                    {
                        "points": entry.points,
                        "kind": entry.kind,
                        "reason": entry.reason or entry.get_kind_display(),
                        "created_at": entry.created_at.isoformat(),
                        "is_pending": entry.is_pending,
                    }
                    for entry in entries
                ],
                "has_older": has_older,
            }
        )


class MiniAppPromoListApi(MiniAppApi):
    def get(self, request: Request) -> Response:
        mini_app_guest(request)
        return Response(
            {
                "results": [
                    {"name": promo.name, "description": promo.description, "ends_on": promo.ends_on}
                    for promo in current_promos()
                ]
            }
        )


class MiniAppRestaurantListApi(MiniAppApi):
    def get(self, request: Request) -> Response:
        mini_app_guest(request)
        return Response(
            {
                "results": [
                    {
                        "name": restaurant.name,
                        "address": restaurant.address,
                        "phone": restaurant.phone,
                        "opening_hours": restaurant.opening_hours,
                    }
                    for restaurant in open_restaurants()
                ]
            }
        )


class MiniAppReceiptClaimApi(MiniAppApi):
    """The guest scanned a fiscal receipt's QR (Telegram's showScanQrPopup): the visit is claimed (pos.services.claims)."""

    def post(self, request: Request) -> Response:
        guest = mini_app_guest(request)
        data = validated(MiniAppReceiptClaimInput, request.data)
        result = claim_receipt(guest=guest, qr_text=data["qr"], source=ClaimSource.MINI_APP)
        return Response(
            {
                "status": result.claim.status,
                "points_earned": result.claim.points_earned,
                "message": claim_outcome_text(result),
            },
            status=201,
        )
