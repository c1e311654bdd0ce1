"""The ratings API: a list of the guests' ratings of their visits, filtered and paginated. Thin: what the viewer may
see is feedback.selectors.visible_ratings (a manager: their restaurants' only)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_for
from accounts.roles import Permission
from analytics.periods import chain_time_zone, day_bounds
from feedback.api.serializers import RatingFilterInput, RatingOut
from feedback.selectors import visible_ratings
from maxloyalty.api import StandardPagination, error_responses, page_of, validated


class RatingListApi(APIView):
    required_permission = Permission.VIEW_ANALYTICS

    @extend_schema(
        operation_id="feedback_ratings_list",
        summary="Guests' ratings of their visits (1-5 and a comment), newest first (paginated)",
        description="Owners and admins: every restaurant; managers: their restaurants only; never cashiers (403).",
        parameters=[
            OpenApiParameter("restaurant", OpenApiTypes.INT, description="Only this restaurant's ratings"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Rated on or after this day (chain's zone)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Rated on or before this day (chain's zone)"),
            OpenApiParameter("score", OpenApiTypes.INT, description="Only this score (1-5)"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={
            200: page_of("RatingPage", RatingOut(many=True)),
            **error_responses(_400="Invalid filter", _403="Not allowed"),
        },
    )
    def get(self, request: Request) -> Response:
        filters = validated(RatingFilterInput, request.query_params)
        access = access_for(request)
        assert access is not None  # the chain permission let the request in
        zone = chain_time_zone()
        start = day_bounds(filters["start"], filters["start"], zone)[0] if filters.get("start") else None
        end = day_bounds(filters["end"], filters["end"], zone)[1] if filters.get("end") else None
        ratings = visible_ratings(
            access, restaurant_id=filters.get("restaurant"), start=start, end=end, score=filters.get("score")
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(ratings, request, view=self)
        return paginator.get_paginated_response(RatingOut(page, many=True).data)
