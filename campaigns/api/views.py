"""The segments and campaigns API: list and create, read, replace, change and delete one, and its preview (count and first
members). Thin: who may is campaigns.selectors' rule, the writes are campaigns.services'."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.access import access_for
from campaigns.api.serializers import (
    CampaignInput,
    CampaignOut,
    SegmentInput,
    SegmentOut,
    SegmentPreviewOut,
    preview_data,
    results_data,
)
from campaigns.models import Campaign, Segment
from campaigns.results import campaign_results
from campaigns.selectors import (
    access_campaign,
    access_segment,
    may_use_segments,
    segment_preview,
    visible_campaigns,
    visible_segments,
)
from campaigns.services import (
    create_campaign,
    create_segment,
    delete_segment,
    send_campaign,
    update_campaign,
    update_segment,
)
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


# --- campaigns -------------------------------------------------------------------------------------------------


def _campaign(request: Request, campaign_id: int) -> Campaign:
    return access_campaign(access=access_for(request), campaign_id=campaign_id)


class CampaignListApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="Campaigns, newest first (paginated)",
        description=WHO + " A manager sees the campaigns they created.",
        responses={200: page_of("CampaignPage", CampaignOut(many=True)), **error_responses(_403="Not allowed")},
    )
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(visible_campaigns(access_for(request)), request, view=self)
        return paginator.get_paginated_response(CampaignOut(page, many=True).data)

    @extend_schema(
        summary="Write a campaign (a draft)",
        description=WHO,
        request=CampaignInput,
        responses={
            201: CampaignOut,
            **error_responses(
                _400="Invalid input",
                _403="Not allowed",
                _404="No such segment",
                _422="Texts, segment, promo code or channels refused",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(CampaignInput, request.data)
        campaign = create_campaign(access=access_for(request), **data)
        return Response(CampaignOut(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="One campaign and its progress",
        responses={200: CampaignOut, **error_responses(_404="No such campaign")},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(CampaignOut(_campaign(request, campaign_id)).data)

    @extend_schema(
        summary="Change a draft or scheduled campaign",
        request=CampaignInput,
        responses={
            200: CampaignOut,
            **error_responses(_400="Invalid input", _404="No such campaign", _409="Sending or sent", _422="Refused"),
        },
    )
    def patch(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        changes = validated(CampaignInput, request.data, partial=True)
        return Response(
            CampaignOut(update_campaign(access=access_for(request), campaign=campaign, changes=changes)).data
        )


class CampaignSendApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="Send a draft campaign now, or at its send_at",
        request=None,
        responses={200: CampaignOut, **error_responses(_404="No such campaign", _409="Not a draft", _422="Refused")},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = send_campaign(access=access_for(request), campaign=_campaign(request, campaign_id))
        return Response(CampaignOut(campaign).data)


class CampaignResultsApi(APIView):
    permission_classes = GUARDS

    @extend_schema(
        summary="What a campaign did: messages, treated against control over 7, 14 and 30 days, cost",
        description="Uplift is treated minus control with a 95 % interval (low, high; null when a group is too small).",
        responses={200: OpenApiTypes.OBJECT, **error_responses(_404="No such campaign")},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(results_data(campaign_results(_campaign(request, campaign_id))))
