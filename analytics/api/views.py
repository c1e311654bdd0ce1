"""The liability API: the summary (outstanding, expiry schedule, cohorts, forecast) and the monthly statement."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Permission
from analytics.api.serializers import LiabilityOut, StatementOut
from analytics.liability import liability_summary, monthly_statement, parse_statement_months
from analytics.periods import chain_time_zone
from analytics.rollups import refresh_dirty_days
from maxloyalty.api import error_responses
from maxloyalty.current_schema import current_tenant
from tenants.models import DEFAULT_CURRENCY


def _currency() -> str:
    return str(getattr(current_tenant(), "currency", None) or DEFAULT_CURRENCY)


class LiabilityApi(APIView):
    required_permission = Permission.VIEW_LIABILITY

    @extend_schema(
        summary="Outstanding points and their money value, the expiry schedule, cohort rates and the forecast",
        responses={200: LiabilityOut, **error_responses(_403="Only the owner and admins see the liability")},
    )
    def get(self, request: Request) -> Response:
        data = liability_summary(chain_time_zone())
        return Response(LiabilityOut({**data, "currency": _currency()}).data)


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
