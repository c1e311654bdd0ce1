"""The fraud review API: the flags (filtered, paginated), dismiss one, freeze its guest's points. Thin: the writes
are fraud.services' (audited there); owners and admins only (Permission.REVIEW_FRAUD)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ChainAccess, access_for
from accounts.roles import Permission
from fraud.api.serializers import FlagFilterInput, FlagOut, ReviewInput
from fraud.selectors import access_flag, review_queue
from fraud.services import dismiss_flag, freeze_flag_guest
from maxloyalty.api import StandardPagination, error_responses, page_of, validated

WHO = "Owners and admins; managers and cashiers: 403."


def _access(request: Request) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # HasChainPermission let the request in
    return access


class FlagListApi(APIView):
    required_permission = Permission.REVIEW_FRAUD

    @extend_schema(
        summary="Fraud flags, newest first (paginated)",
        description=WHO,
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "dismissed", "actioned"]),
            OpenApiParameter(
                "rule",
                OpenApiTypes.STR,
                enum=[
                    "velocity",
                    "distance",
                    "same_amount",
                    "refund_after_redemption",
                    "cashier_share",
                    "registrations_without_visit",
                ],
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 50, at most 500)"),
        ],
        responses={200: page_of("FraudFlagPage", FlagOut(many=True)), **error_responses(_400="Unknown filter")},
    )
    def get(self, request: Request) -> Response:
        filters = validated(FlagFilterInput, request.query_params)
        paginator = StandardPagination()
        flags = review_queue(status=filters.get("status", ""), rule=filters.get("rule", ""))
        page = paginator.paginate_queryset(flags, request, view=self)
        return paginator.get_paginated_response(FlagOut(page, many=True).data)


class FlagDismissApi(APIView):
    required_permission = Permission.REVIEW_FRAUD

    @extend_schema(
        summary="Dismiss a fraud flag",
        description=WHO + " Audited with the note.",
        request=ReviewInput,
        responses={200: FlagOut, **error_responses(_400="Invalid input", _404="No such flag in this chain")},
    )
    def post(self, request: Request, flag_id: int) -> Response:
        data = validated(ReviewInput, request.data)
        dismiss_flag(access=_access(request), flag_id=flag_id, note=data["note"])
        return Response(FlagOut(access_flag(flag_id)).data)


class FlagFreezeApi(APIView):
    required_permission = Permission.REVIEW_FRAUD

    @extend_schema(
        summary="Freeze the flagged guest's points",
        description=WHO + " Spending is then refused everywhere (409 `points_frozen`) until unfrozen on the flag's "
        "page; earning goes on. Audited with the note.",
        request=ReviewInput,
        responses={
            200: FlagOut,
            **error_responses(
                _400="Invalid input",
                _404="No such flag in this chain",
                _409="The flag is about a staff member (`flag_has_no_guest`)",
            ),
        },
    )
    def post(self, request: Request, flag_id: int) -> Response:
        data = validated(ReviewInput, request.data)
        freeze_flag_guest(access=_access(request), flag_id=flag_id, note=data["note"])
        return Response(FlagOut(access_flag(flag_id)).data)
