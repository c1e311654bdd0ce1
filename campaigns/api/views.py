"""The segments API: list and create, read, replace, change and delete one, and its preview (count and first
members). Thin: who may is campaigns.selectors' rule, the writes are campaigns.services'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.access import access_for
from campaigns.api.serializers import SegmentInput, SegmentOut, SegmentPreviewOut, preview_data
from campaigns.models import Segment
from campaigns.selectors import access_segment, may_use_segments, segment_preview, visible_segments
from campaigns.services import create_segment, delete_segment, update_segment
from maxloyalty.api import StandardPagination, error_responses, page_of, validated

WHO = (
    "Owners and admins; managers (their restaurants' guests) only when the chain allows it; never cashiers: "
    "403 otherwise."
)


class SegmentsAllowed(BasePermission):
    """Refuses before the body is read: campaigns.selectors.may_use_segments (the services ask it again)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_use_segments(access_for(request))


# Signed in, a member of the chain (the project's defaults), then allowed segments.
GUARDS: list[type[BasePermission]] = [*api_settings.DEFAULT_PERMISSION_CLASSES, SegmentsAllowed]  # type: ignore[list-item]  # resolved classes; the stubs say the dotted names


def _segment(request: Request, segment_id: int) -> Segment:
    return access_segment(access=access_for(request), segment_id=segment_id)


class SegmentListApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="Saved segments, by name (paginated)",
        description=WHO,
        responses={200: page_of("SegmentPage", SegmentOut(many=True)), **error_responses(_403="Not allowed")},
    )
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(visible_segments(access_for(request)), request, view=self)
        return paginator.get_paginated_response(SegmentOut(page, many=True).data)

    @extend_schema(
        summary="Save a segment",
        description=WHO,
        request=SegmentInput,
        responses={
            201: SegmentOut,
            **error_responses(
                _400="Invalid input or filters",
                _403="Not allowed",
                _409="The name is taken",
                _422="Unknown level or restaurant, or not one of yours",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(SegmentInput, request.data)
        segment = create_segment(access=access_for(request), **data)
        return Response(SegmentOut(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetailApi(APIView):
    permission_classes = GUARDS

    @extend_schema(summary="One segment", responses={200: SegmentOut, **error_responses(_404="No such segment")})
    def get(self, request: Request, segment_id: int) -> Response:
        return Response(SegmentOut(_segment(request, segment_id)).data)

    @extend_schema(
        summary="Replace a segment (its filters are replaced whole)",
        request=SegmentInput,
        responses={200: SegmentOut, **error_responses(_400="Invalid input", _403="Not yours", _409="Name taken")},
    )
    def put(self, request: Request, segment_id: int) -> Response:
        segment = _segment(request, segment_id)
        changes = {"description": "", "filters": {}, **validated(SegmentInput, request.data)}
        return Response(SegmentOut(update_segment(access=access_for(request), segment=segment, changes=changes)).data)

    @extend_schema(
        summary="Change some fields of a segment (filters, when given, are replaced whole)",
        request=SegmentInput,
        responses={200: SegmentOut, **error_responses(_400="Invalid input", _403="Not yours", _409="Name taken")},
    )
    def patch(self, request: Request, segment_id: int) -> Response:
        segment = _segment(request, segment_id)
        changes = validated(SegmentInput, request.data, partial=True)
        return Response(SegmentOut(update_segment(access=access_for(request), segment=segment, changes=changes)).data)

    @extend_schema(summary="Delete a segment", responses={204: None, **error_responses(_403="Not yours")})
    def delete(self, request: Request, segment_id: int) -> Response:
        delete_segment(access=access_for(request), segment=_segment(request, segment_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentPreviewApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="Who is in a segment now: the count and the first members",
        description=WHO + " Evaluated at the moment of the request, over the guests the caller may see.",
        responses={200: SegmentPreviewOut, **error_responses(_404="No such segment")},
    )
    def get(self, request: Request, segment_id: int) -> Response:
        access = access_for(request)
        return Response(preview_data(segment_preview(_segment(request, segment_id), access)))
