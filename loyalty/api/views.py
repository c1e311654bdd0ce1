"""The loyalty REST API: a guest's points (ledger, balance, accrue, redeem, adjust, checks, reversal), the quote,
and the program (settings, levels, promos, promo codes). Thin views: parse, check rights, call one service."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ChainAccess, access_for
from accounts.requests import StaffApiRequest
from accounts.roles import Permission
from guests.models import Guest
from guests.selectors import GuestReach, access_guest
from loyalty import rules, services
from loyalty.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key, idempotent_response
from loyalty.api.serializers import (
    BalanceOut,
    CheckOutcomeOut,
    GuestAccrueInput,
    GuestAdjustInput,
    GuestCheckInput,
    GuestRedeemInput,
    LedgerEntryOut,
    LevelInput,
    LevelOut,
    OperationOut,
    ProgramInput,
    ProgramOut,
    PromoCodeListInput,
    PromoCodeOut,
    PromoInput,
    PromoOut,
    QuoteInput,
    QuoteOut,
    TransactionReverseInput,
    balance_data,
    quote_data,
)
from loyalty.models import LedgerEntry, Level, Promo, PromoCode
from loyalty.rights import restaurant_for_operation
from loyalty.selectors import guest_balance, guest_ledger, program_settings, promo_codes
from maxloyalty.api import (
    KEYSET_PARAMETERS,
    StandardPagination,
    error_responses,
    keyset_page_of,
    keyset_response,
    page_of,
    validated,
)
from maxloyalty.current_schema import current_tenant
from maxloyalty.errors import NotFound
from tenants.models import DEFAULT_CURRENCY

GUEST_404 = "No such guest in this chain (or not one you may see)"
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 50, at most 500)"),
]


def _access(request: Request) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # HasChainPermission let the request in
    return access


def _guest(request: Request, guest_id: int, reach: GuestReach = "till") -> Guest:
    return access_guest(access=_access(request), guest_id=guest_id, reach=reach)


def _operation(entry: LedgerEntry, guest: Guest) -> Response:
    data = {"entry": LedgerEntryOut(entry).data, "balance": balance_data(guest_balance(guest=guest))}
    return idempotent_response(data, is_replay=entry.is_replay)


class GuestTransactionsApi(APIView):
    required_permission = Permission.VIEW_GUESTS

    @extend_schema(
        summary="A guest's points history (newest first, keyset pages: follow `next`)",
        parameters=KEYSET_PARAMETERS,
        responses={
            200: keyset_page_of("LedgerEntryPage", LedgerEntryOut(many=True), with_count=True),
            **error_responses(_404=GUEST_404),
        },
    )
    def get(self, request: Request, guest_id: int) -> Response:
        guest = _guest(request, guest_id, reach="restaurants")  # history stays within the staff's restaurants
        return keyset_response(
            request,
            guest_ledger(guest=guest, access=_access(request)),
            time_field="created_at",
            output=lambda rows: LedgerEntryOut(rows, many=True).data,
            with_count=True,  # one guest's entries: counted from their index
        )


class GuestBalanceApi(APIView):
    required_permission = Permission.VIEW_GUESTS

    @extend_schema(
        summary="A guest's available and pending points, level and what expires soon",
        responses={200: BalanceOut, **error_responses(_404=GUEST_404)},
    )
    def get(self, request: Request, guest_id: int) -> Response:
        return Response(balance_data(guest_balance(guest=_guest(request, guest_id))))


class GuestAccrueApi(APIView):
    required_permission = Permission.ACCRUE_POINTS

    @extend_schema(
        summary="Give a guest points by hand (a manual grant of any earning kind)",
        description="A manual grant, held to your role's limit per grant: managers the program's "
        "`manager_adjustment_limit`, cashiers its `cashier_grant_limit` (0 by default: cashiers earn points for a "
        "guest only through a check, `POST /guests/{id}/check`), owners and admins none. Refusals are 403 "
        "`grant_not_allowed` or `grant_limit_exceeded` (with `limit`), and write nothing.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=GuestAccrueInput,
        responses={
            201: OperationOut,
            200: OpenApiResponse(OperationOut, description="A retry: the first result, nothing changed"),
            **error_responses(
                _400="Invalid input or missing Idempotency-Key",
                _403="Not allowed for your role or restaurant, or above your grant limit",
                _404=GUEST_404,
                _409="The guest is blocked or erased",
                _422="The Idempotency-Key was used for a different operation",
            ),
        },
    )
    def post(self, request: StaffApiRequest, guest_id: int) -> Response:
        data = validated(GuestAccrueInput, request.data)
        key = idempotency_key(request)
        guest = _guest(request, guest_id)
        restaurant = restaurant_for_operation(access=_access(request), restaurant_id=data.get("restaurant_id"))
        entry = services.accrue_points(
            guest=guest,
            points=data["points"],
            kind=data["kind"],
            idempotency_key=key,
            restaurant=restaurant,
            actor=request.user,
            reason=data["reason"],
            receipt_id=data.get("receipt_id"),
        )
        return _operation(entry, guest)


class GuestRedeemApi(APIView):
    required_permission = Permission.VIEW_GUESTS  # the redeem right itself: the service (loyalty.rights)

    @extend_schema(
        summary="Spend a guest's points",
        description="With `check_amount`, the program's maximum share of a check payable with points applies.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=GuestRedeemInput,
        responses={
            201: OperationOut,
            200: OpenApiResponse(OperationOut, description="A retry: the first result, nothing changed"),
            **error_responses(
                _400="Invalid input or missing Idempotency-Key",
                _403="Not allowed for your role or restaurant",
                _404=GUEST_404,
                _409="Not enough points (`available`, `requested`), the guest is blocked, or their points are frozen by a "
                "fraud review (`points_frozen`)",
                _422="A redemption limit (`limit`: min_points | max_share, with its figure), or a reused key",
            ),
        },
    )
    def post(self, request: StaffApiRequest, guest_id: int) -> Response:
        data = validated(GuestRedeemInput, request.data)
        key = idempotency_key(request)
        guest = _guest(request, guest_id)
        restaurant = restaurant_for_operation(access=_access(request), restaurant_id=data.get("restaurant_id"))
        entry = services.redeem_points(
            guest=guest,
            points=data["points"],
            idempotency_key=key,
            restaurant=restaurant,
            actor=request.user,
            reason=data["reason"],
            receipt_id=data.get("receipt_id"),
            check_amount=data.get("check_amount"),
        )
        return _operation(entry, guest)


class GuestAdjustApi(APIView):
    required_permission = Permission.ADJUST_POINTS

    @extend_schema(
        summary="Correct a guest's points by hand (+/-), with a reason",
        description="Managers may move at most the program's `manager_adjustment_limit` points per adjustment "
        "(either way); above it 403 `grant_limit_exceeded` (with `limit`): only owners and admins have no limit.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=GuestAdjustInput,
        responses={
            201: OperationOut,
            200: OpenApiResponse(OperationOut, description="A retry: the first result, nothing changed"),
            **error_responses(
                _400="Invalid input (the reason is required) or missing Idempotency-Key",
                _403="Not allowed for your role or restaurant, or above your adjustment limit (`limit`)",
                _404=GUEST_404,
                _409="Not enough points to take away",
                _422="A reused key",
            ),
        },
    )
    def post(self, request: StaffApiRequest, guest_id: int) -> Response:
        data = validated(GuestAdjustInput, request.data)
        key = idempotency_key(request)
        guest = _guest(request, guest_id)
        restaurant = restaurant_for_operation(access=_access(request), restaurant_id=data.get("restaurant_id"))
        entry = services.adjust_points(
            guest=guest,
            points=data["points"],
            reason=data["reason"],
            actor=request.user,
            idempotency_key=key,
            restaurant=restaurant,
        )
        return _operation(entry, guest)


def _check_of(data: dict[str, Any], restaurant_id: int | None) -> rules.Check:
    return rules.Check(
        total_amount=data["total_amount"],
        currency=getattr(current_tenant(), "currency", None) or DEFAULT_CURRENCY,
        lines=tuple(rules.CheckLine(**line) for line in data["lines"]),
        points_to_spend=data["points_to_spend"],
        at=data.get("at"),
        restaurant_id=restaurant_id,
        promo_code=data["promo_code"],
    )


class GuestCheckApi(APIView):
    required_permission = Permission.ACCRUE_POINTS

    @extend_schema(
        summary="Apply a check to a guest: spend what the rules allow, earn points, record the visit",
        description="Spends up to `points_to_spend` (the answer says why when less), earns base and promo points, "
        "records the visit and moves the guest up a level at once when a threshold is crossed.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=GuestCheckInput,
        responses={
            201: CheckOutcomeOut,
            200: OpenApiResponse(CheckOutcomeOut, description="A retry: the first result, nothing changed"),
            **error_responses(
                _400="Invalid input or missing Idempotency-Key",
                _403="Not allowed for your role or restaurant",
                _404=GUEST_404,
                _409="The guest is blocked or erased",
            ),
        },
    )
    def post(self, request: StaffApiRequest, guest_id: int) -> Response:
        data = validated(GuestCheckInput, request.data)
        key = idempotency_key(request)
        access = _access(request)
        guest = _guest(request, guest_id)
        restaurant = restaurant_for_operation(access=access, restaurant_id=data.get("restaurant_id"))
        outcome = services.apply_check(
            guest=guest,
            check=_check_of(data, restaurant.pk if restaurant else None),
            restaurant=restaurant,
            idempotency_key=key,
            actor=request.user,
            receipt_id=data.get("receipt_id"),
        )
        body = {
            "earned": outcome.earned,
            "spent": outcome.spent,
            "refused_reason": outcome.refused_reason,
            "visit_id": outcome.visit.pk if outcome.visit else None,
            "entries": LedgerEntryOut(outcome.entries, many=True).data,
            "balance": balance_data(guest_balance(guest=guest)),
        }
        return idempotent_response(body, is_replay=outcome.is_replay)


class TransactionReverseApi(APIView):
    required_permission = Permission.UNDO_OWN_OPERATION

    @extend_schema(
        summary="Reverse (undo or refund) one ledger entry",
        description="Cashiers undo their own operations within the program's undo window; managers any operation "
        "of their restaurants; admins and owners any. Earned points already spent are recorded as a shortfall.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=TransactionReverseInput,
        responses={
            201: OperationOut,
            200: OpenApiResponse(OperationOut, description="A retry: the first result, nothing changed"),
            **error_responses(
                _403="Not yours, or the undo window has passed (`undo_window_passed`)",
                _404="No such entry in this chain",
                _409="Already reversed (`reversal_id`)",
                _422="Expiry and reversal entries cannot be reversed, or a reused key",
            ),
        },
    )
    def post(self, request: StaffApiRequest, entry_id: int) -> Response:
        data = validated(TransactionReverseInput, request.data)
        key = idempotency_key(request)
        access = _access(request)
        entry = LedgerEntry.objects.filter(pk=entry_id).first()
        if entry is None:
            raise NotFound(entry_id=entry_id)
        guest = access_guest(access=access, guest_id=entry.guest_id)
        reversal = services.reverse_entry(
            entry=entry, actor=access.user, idempotency_key=key, reason=data["reason"], access=access
        )
        return _operation(reversal, guest)


class QuoteApi(APIView):
    required_permission = Permission.VIEW_GUESTS

    @extend_schema(
        summary="What a check would earn and the most that can be spent on it (changes nothing)",
        request=QuoteInput,
        responses={200: QuoteOut, **error_responses(_404=GUEST_404)},
    )
    def post(self, request: StaffApiRequest) -> Response:
        data = validated(QuoteInput, request.data)
        guest = _guest(request, data["guest_id"]) if data.get("guest_id") else None
        quote, _code_row, code_refusal = services.quote_for_guest(
            guest=guest, check=_check_of(data, data.get("restaurant_id"))
        )
        return Response(quote_data(quote, code_refusal))


def _level(level_id: int) -> Level:
    level = Level.objects.filter(pk=level_id).first()
    if level is None:
        raise NotFound(level_id=level_id)
    return level


class LevelListApi(APIView):
    required_permission = {"GET": Permission.VIEW_GUESTS, "POST": Permission.MANAGE_PROGRAM}

    @extend_schema(summary="The chain's levels, lowest threshold first", responses={200: LevelOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(LevelOut(Level.objects.order_by("threshold_amount", "id"), many=True).data)

    @extend_schema(
        summary="Add a level",
        request=LevelInput,
        responses={201: LevelOut, **error_responses(_400="Invalid input", _409="Name or threshold taken")},
    )
    def post(self, request: StaffApiRequest) -> Response:
        level = services.create_level(actor=request.user, **validated(LevelInput, request.data))
        return Response(LevelOut(level).data, status=status.HTTP_201_CREATED)


class LevelDetailApi(APIView):
    required_permission = {
        "GET": Permission.VIEW_GUESTS,
        "PUT": Permission.MANAGE_PROGRAM,
        "PATCH": Permission.MANAGE_PROGRAM,
        "DELETE": Permission.MANAGE_PROGRAM,
    }

    @extend_schema(summary="One level", responses={200: LevelOut, **error_responses(_404="No such level")})
    def get(self, request: Request, level_id: int) -> Response:
        return Response(LevelOut(_level(level_id)).data)

    @extend_schema(summary="Replace a level", request=LevelInput, responses={200: LevelOut})
    def put(self, request: StaffApiRequest, level_id: int) -> Response:
        level = _level(level_id)
        changes = validated(LevelInput, request.data)
        return Response(LevelOut(services.update_level(level=level, actor=request.user, changes=changes)).data)

    @extend_schema(summary="Change some fields of a level", request=LevelInput, responses={200: LevelOut})
    def patch(self, request: StaffApiRequest, level_id: int) -> Response:
        level = _level(level_id)
        changes = validated(LevelInput, request.data, partial=True)
        return Response(LevelOut(services.update_level(level=level, actor=request.user, changes=changes)).data)

    @extend_schema(summary="Delete a level", responses={204: None})
    def delete(self, request: StaffApiRequest, level_id: int) -> Response:
        services.delete_level(level=_level(level_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _promo(promo_id: int) -> Promo:
    promo = Promo.objects.prefetch_related("restaurants", "levels").filter(pk=promo_id).first()
    if promo is None:
        raise NotFound(promo_id=promo_id)
    return promo


class PromoListApi(APIView):
    required_permission = {"GET": Permission.VIEW_GUESTS, "POST": Permission.MANAGE_PROGRAM}

    @extend_schema(
        summary="The chain's promos, newest first (paginated)",
        parameters=PAGE_PARAMETERS,
        responses={200: page_of("PromoPage", PromoOut(many=True))},
    )
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        promos = Promo.objects.prefetch_related("restaurants", "levels").order_by("-created_at", "-id")
        page = paginator.paginate_queryset(promos, request, view=self)
        return paginator.get_paginated_response(PromoOut(page, many=True).data)

    @extend_schema(
        summary="Add a promo",
        description="A promo gives a multiplier of the base points (of its product categories, or of the whole "
        "check) or a fixed bonus. `best_of` promos compete (the biggest wins); `stackable` ones add on top.",
        request=PromoInput,
        responses={201: PromoOut, **error_responses(_400="Invalid input", _422="No effect or dates out of order")},
    )
    def post(self, request: StaffApiRequest) -> Response:
        promo = services.create_promo(actor=request.user, **validated(PromoInput, request.data))
        return Response(PromoOut(_promo(promo.pk)).data, status=status.HTTP_201_CREATED)


class PromoDetailApi(APIView):
    required_permission = {
        "GET": Permission.VIEW_GUESTS,
        "PUT": Permission.MANAGE_PROGRAM,
        "PATCH": Permission.MANAGE_PROGRAM,
        "DELETE": Permission.MANAGE_PROGRAM,
    }

    @extend_schema(summary="One promo", responses={200: PromoOut, **error_responses(_404="No such promo")})
    def get(self, request: Request, promo_id: int) -> Response:
        return Response(PromoOut(_promo(promo_id)).data)

    @extend_schema(summary="Replace a promo", request=PromoInput, responses={200: PromoOut})
    def put(self, request: StaffApiRequest, promo_id: int) -> Response:
        promo = _promo(promo_id)
        services.update_promo(promo=promo, actor=request.user, changes=validated(PromoInput, request.data))
        return Response(PromoOut(_promo(promo_id)).data)

    @extend_schema(summary="Change some fields of a promo", request=PromoInput, responses={200: PromoOut})
    def patch(self, request: StaffApiRequest, promo_id: int) -> Response:
        promo = _promo(promo_id)
        changes = validated(PromoInput, request.data, partial=True)
        services.update_promo(promo=promo, actor=request.user, changes=changes)
        return Response(PromoOut(_promo(promo_id)).data)

    @extend_schema(summary="Delete a promo (one whose codes were used is deactivated instead)", responses={204: None})
    def delete(self, request: StaffApiRequest, promo_id: int) -> Response:
        services.delete_promo(promo=_promo(promo_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PromoCodeListApi(APIView):
    required_permission = Permission.MANAGE_PROGRAM

    @extend_schema(summary="A promo's codes", responses={200: PromoCodeOut(many=True)})
    def get(self, request: Request, promo_id: int) -> Response:
        return Response(PromoCodeOut(promo_codes(promo=_promo(promo_id)), many=True).data)

    @extend_schema(
        summary="Add a promo code (the promo then applies only with one of its codes)",
        request=PromoCodeListInput,
        responses={201: PromoCodeOut, **error_responses(_400="Invalid code", _409="The code exists")},
    )
    def post(self, request: StaffApiRequest, promo_id: int) -> Response:
        data = validated(PromoCodeListInput, request.data)
        code = services.create_promo_code(promo=_promo(promo_id), actor=request.user, **data)
        return Response(PromoCodeOut(code).data, status=status.HTTP_201_CREATED)


class PromoCodeDetailApi(APIView):
    required_permission = Permission.MANAGE_PROGRAM

    @extend_schema(summary="Deactivate a promo code (its uses stay on record)", responses={204: None})
    def delete(self, request: StaffApiRequest, promo_id: int, code_id: int) -> Response:
        code = PromoCode.objects.filter(pk=code_id, promo_id=promo_id).select_related("promo").first()
        if code is None:
            raise NotFound(code_id=code_id)
        services.deactivate_promo_code(code=code, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProgramApi(APIView):
    required_permission = {
        "GET": Permission.VIEW_GUESTS,
        "PUT": Permission.MANAGE_PROGRAM,
        "PATCH": Permission.MANAGE_PROGRAM,
    }

    @extend_schema(summary="The chain's loyalty program settings", responses={200: ProgramOut})
    def get(self, request: Request) -> Response:
        return Response(ProgramOut(program_settings()).data)

    @extend_schema(
        summary="Change the program settings",
        request=ProgramInput,
        responses={200: ProgramOut, **error_responses(_400="Invalid input")},
    )
    def put(self, request: StaffApiRequest) -> Response:
        changes = validated(ProgramInput, request.data, partial=True)
        return Response(ProgramOut(services.update_program_settings(actor=request.user, changes=changes)).data)

    @extend_schema(summary="Change some program settings", request=ProgramInput, responses={200: ProgramOut})
    def patch(self, request: StaffApiRequest) -> Response:
        return self.put(request)
