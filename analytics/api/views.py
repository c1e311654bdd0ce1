"""The liability API: the summary (outstanding, expiry schedule, cohorts, forecast) and the monthly statement."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Permission
from analytics.api.serializers import LiabilityCalculatingOut, LiabilityOut, LiabilityRefreshOut, StatementOut
from analytics.liability import monthly_statement, parse_statement_months
from analytics.liability_snapshots import liability_to_show, request_liability_refresh
from analytics.periods import chain_time_zone
from analytics.rollups import refresh_dirty_days
from maxloyalty.api import error_responses
from maxloyalty.current_schema import current_tenant
from tenants.models import DEFAULT_CURRENCY


def _currency() -> str:
    return str(getattr(current_tenant(), "currency", None) or DEFAULT_CURRENCY)


RETRY_AFTER_SECONDS = 30


class LiabilityApi(APIView):
    required_permission = Permission.VIEW_LIABILITY

    @extend_schema(
        summary="Outstanding points and their money value, the expiry schedule, cohort rates and the forecast",
        description="The newest snapshot (computed_at), refreshed nightly and in the background when older than "
        "LIABILITY_SNAPSHOT_MAX_AGE_SECONDS; 202 while the chain's first one is being calculated.",
        responses={
            200: LiabilityOut,
            202: OpenApiResponse(LiabilityCalculatingOut, description="Being calculated: ask again after Retry-After"),
            **error_responses(_403="Only the owner and admins see the liability"),
        },
    )
    def get(self, request: Request) -> Response:
        shown, refreshing = liability_to_show()
        if shown is None:
            waiting = LiabilityCalculatingOut({"status": "calculating", "retry_after_seconds": RETRY_AFTER_SECONDS})
            return Response(
                waiting.data, status=status.HTTP_202_ACCEPTED, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        body = {**shown.summary, "currency": _currency(), "computed_at": shown.computed_at, "is_refreshing": refreshing}
        return Response(LiabilityOut(body).data)


class LiabilityRefreshApi(APIView):
    required_permission = Permission.VIEW_LIABILITY

    @extend_schema(
        request=None,
        summary="Recalculate the liability snapshot in the background (one at a time per chain)",
        responses={
            202: LiabilityRefreshOut,
            **error_responses(_403="Only the owner and admins see the liability"),
        },
    )
    def post(self, request: Request) -> Response:
        queued = request_liability_refresh()
        return Response(LiabilityRefreshOut({"queued": queued}).data, status=status.HTTP_202_ACCEPTED)


class LiabilityStatementApi(APIView):
    required_permission = Permission.VIEW_LIABILITY

    @extend_schema(
        summary="The monthly deferred-revenue statement: opening, issued, redeemed, expired, other, closing",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM (default: 11 months ago)"),
            OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: this month)"),
        ],
        responses={
            200: StatementOut,
            **error_responses(_400="A month is not YYYY-MM, or the range is reversed or too long (`fields`)"),
            **error_responses(_403="Only the owner and admins see the liability"),
        },
    )
    def get(self, request: Request) -> Response:
        zone = chain_time_zone()
        first, last = parse_statement_months(
            first=request.query_params.get("from"), last=request.query_params.get("to"), zone=zone
        )
        refresh_dirty_days()
        rows = monthly_statement(zone, first, last)
        return Response(StatementOut({"currency": _currency(), "months": rows}).data)
