"""The API of program drafts and their backtests (MANAGE_PROGRAM: owners and admins).

POST /loyalty/drafts (a draft, from the program in force unless `draft` is given), GET/PUT /loyalty/drafts/{id},
POST /loyalty/drafts/{id}/publish (now or at `effective_at`), POST /loyalty/backtests (a draft id or a draft's
JSON, and the days: 202, then poll) and GET /loyalty/backtests/{id} (status, progress, result).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import StaffApiRequest
from accounts.roles import Permission
from loyalty import services
from loyalty.api.serializers import (
    BacktestInput,
    BacktestOut,
    DraftInput,
    DraftOut,
    DraftUpdateInput,
    PublishInput,
)
from loyalty.selectors import access_backtest, access_draft
from maxloyalty.api import error_responses, validated
from maxloyalty.errors import ValidationFailed


class DraftCreateApi(APIView):
    required_permission = {"POST": Permission.MANAGE_PROGRAM}

    @extend_schema(
        summary="Start a program draft",
        request=DraftInput,
        responses={201: DraftOut, **error_responses(_400="Invalid input", _422="Invalid draft")},
    )
    def post(self, request: StaffApiRequest) -> Response:
        data = validated(DraftInput, request.data)
        draft = services.create_draft(actor=request.user, name=data.get("name", ""), data=data.get("draft"))
        return Response(DraftOut(draft).data, status=status.HTTP_201_CREATED)


class DraftDetailApi(APIView):
    required_permission = {"GET": Permission.MANAGE_PROGRAM, "PUT": Permission.MANAGE_PROGRAM}

    @extend_schema(summary="One program draft", responses={200: DraftOut, **error_responses(_404="No such draft")})
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(DraftOut(access_draft(draft_id=draft_id)).data)

    @extend_schema(
        summary="Change a program draft",
        request=DraftUpdateInput,
        responses={200: DraftOut, **error_responses(_404="No such draft", _409="Published", _422="Invalid draft")},
    )
    def put(self, request: StaffApiRequest, draft_id: int) -> Response:
        draft = access_draft(draft_id=draft_id)
        data = validated(DraftUpdateInput, request.data)
        draft = services.update_draft(draft=draft, actor=request.user, data=data["draft"], name=data.get("name"))
        return Response(DraftOut(draft).data)


class DraftPublishApi(APIView):
    required_permission = {"POST": Permission.MANAGE_PROGRAM}

    @extend_schema(
        summary="Publish a program draft, now or at a later moment",
        request=PublishInput,
        responses={200: DraftOut, **error_responses(_404="No such draft", _409="Published", _422="Invalid draft")},
    )
    def post(self, request: StaffApiRequest, draft_id: int) -> Response:
        draft = access_draft(draft_id=draft_id)
        data = validated(PublishInput, request.data)
        draft = services.publish_draft(draft=draft, actor=request.user, effective_at=data.get("effective_at"))
        return Response(DraftOut(draft).data)


class BacktestCreateApi(APIView):
    required_permission = {"POST": Permission.MANAGE_PROGRAM}

    @extend_schema(
        summary="Backtest a draft over the last 30, 90 or 180 days (queued: poll the backtest)",
        request=BacktestInput,
        responses={202: BacktestOut, **error_responses(_400="Invalid input", _404="No such draft", _422="Invalid")},
    )
    def post(self, request: StaffApiRequest) -> Response:
        data = validated(BacktestInput, request.data)
        if data.get("draft_id") is not None:
            draft = access_draft(draft_id=data["draft_id"])
        elif data.get("draft") is not None:
            backtest = services.backtest_new_draft(data=data["draft"], days=int(data["days"]), actor=request.user)
            return Response(BacktestOut(backtest).data, status=status.HTTP_202_ACCEPTED)
        else:
            raise ValidationFailed(fields={"draft_id": [_("Give draft_id or draft.")]})
        backtest = services.start_backtest(draft=draft, days=int(data["days"]), actor=request.user)
        return Response(BacktestOut(backtest).data, status=status.HTTP_202_ACCEPTED)


class BacktestDetailApi(APIView):
    required_permission = {"GET": Permission.MANAGE_PROGRAM}

    @extend_schema(
        summary="A backtest: status, progress and, when done, the result",
        responses={200: BacktestOut, **error_responses(_404="No such backtest")},
    )
    def get(self, request: Request, backtest_id: int) -> Response:
        return Response(BacktestOut(access_backtest(backtest_id=backtest_id)).data)
