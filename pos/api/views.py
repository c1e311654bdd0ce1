"""POS API: restaurants and connections for owners and admins, receipts, and the three inbound POS endpoints.

Inbound endpoints carry no user: a signed webhook proves itself by HMAC (pos.signatures), iiko and R-Keeper
by echoing the token we issued. Every refusal is answered in the uniform error format and logged as a
RejectedAttempt (never with a secret).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ChainAccess, access_for
from accounts.requests import StaffApiRequest
from accounts.roles import Permission
from maxloyalty.api import (
    KEYSET_PARAMETERS,
    StandardPagination,
    error_responses,
    keyset_page_of,
    keyset_response,
    validated,
)
from maxloyalty.authorization import bearer_token
from maxloyalty.errors import DomainError, ValidationFailed
from pos import selectors, services
from pos.api.serializers import (
    PosConnectionInput,
    PosConnectionOut,
    PosConnectionRotateTokenInput,
    ReceiptClaimDetailOut,
    ReceiptClaimFilters,
    ReceiptClaimMatchInput,
    ReceiptClaimOut,
    ReceiptClaimRejectInput,
    ReceiptDetailOut,
    ReceiptFilters,
    ReceiptOut,
    RejectedAttemptOut,
    SyncRunOut,
)
from pos.inbound import refused_connection_id, verified_token_push, verified_webhook_check
from pos.models import (
    ConnectionStatus,
    PosKind,
    ReceiptSource,
    RejectedAttempt,
)
from pos.services.claims import match_claim_to_receipt, reject_claim
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from restaurants.selectors import access_restaurant


def _access(request: Request) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # HasChainPermission let the request in
    return access


def _page(view: APIView, request: Request, queryset: Any, output: type[serializers.Serializer[Any]]) -> Response:
    paginator = StandardPagination()
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context={"request": request}).data)


# --- inbound: pushes from POS systems -------------------------------------------------------------


class InboundApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    # Authenticity is the signature or token; POS servers send bursts from one address, so no per-address throttle
    # of accepted calls. Refused calls are counted per address (pos.inbound.InboundFloodGate answers a flood 429).
    throttle_classes: list[Any] = []
    endpoint = ""

    def refuse(
        self,
        error: DomainError,
        *,
        body: bytes,
        connection_ref: str,
        connection_id: int | None,
        external_id: str = "",
    ) -> DomainError:
        services.record_rejected_attempt(
            endpoint=self.endpoint,
            reason=error.code,
            http_status=error.status,
            connection_id=connection_id,
            connection_ref=connection_ref,
            body=body,
            external_id=external_id,
            field_errors=error.fields,
        )
        return error


class PosWebhookReceiveApi(InboundApi):
    """POST /api/v1/pos/webhooks/{connection_id}: a signed check; 202 with our receipt id before any points work."""

    endpoint = "webhook"

    def post(self, request: Request, connection_id: int) -> Response:
        body = request.body
        try:
            auth, check = verified_webhook_check(
                connection_id=connection_id,
                timestamp_header=request.headers.get(TIMESTAMP_HEADER),
                signature_header=request.headers.get(SIGNATURE_HEADER),
                body=body,
                default_currency=_chain_currency(request),
            )
        except DomainError as error:
            raise self.refuse(
                error,
                body=body,
                connection_ref=str(connection_id),
                connection_id=refused_connection_id(error, connection_id),
                external_id=str(error.details.get("external_id") or ""),
            ) from None
        state = services.receive_check(
            connection_id=connection_id, restaurant_id=auth.restaurant_id, check=check, source=ReceiptSource.WEBHOOK
        )
        return Response(state.as_response(), status=202 if state.created else 200)


def _chain_currency(request: Request) -> str:
    return str(getattr(getattr(request, "tenant", None), "currency", "") or "")  # "": the default currency


class TokenInboundApi(InboundApi):
    """A POS that proves itself by echoing our token, and whose push names orders we then fetch ourselves."""

    kind = ""

    def token(self, request: Request) -> str | None:
        return bearer_token(request.headers.get("Authorization"), bare_allowed=True)

    def post(self, request: Request, connection_id: int) -> Response:
        body = request.body
        try:
            refs = verified_token_push(
                connection_id=connection_id, kind=self.kind, token=self.token(request), body=body
            )
        except DomainError as error:
            raise self.refuse(
                error,
                body=body,
                connection_ref=str(connection_id),
                connection_id=refused_connection_id(error, connection_id),
            ) from None
        if refs:
            from pos.tasks import fetch_pos_orders

            transaction.on_commit(lambda: fetch_pos_orders.delay(connection_id, refs))
        return Response({"accepted": len(refs)}, status=200)


class IikoWebhookReceiveApi(TokenInboundApi):
    """POST /api/v1/pos/iiko/{connection_id}/webhook: iiko's event array; orders are re-read from iiko's API."""

    endpoint, kind = "iiko", PosKind.IIKO


class RkeeperNotificationReceiveApi(TokenInboundApi):
    """POST /api/v1/pos/rkeeper/{connection_id}/notify: R-Keeper's order-change XML; orders are fetched back."""

    endpoint, kind = "rkeeper", PosKind.RKEEPER

    def token(self, request: Request) -> str | None:
        # The cash server's notify driver is configured with a URL only, so the token may ride in the query.
        header = request.headers.get("Authorization")
        return bearer_token(header, bare_allowed=True) if header else request.query_params.get("token")


# --- POS connections -------------------------------------------------------------------------------


class PosConnectionListApi(APIView):
    required_permission: ClassVar[dict[str, Permission]] = {
        "GET": Permission.VIEW_DASHBOARD,
        "POST": Permission.MANAGE_POS,
    }

    def get(self, request: Request) -> Response:
        return _page(self, request, selectors.visible_connections(_access(request)), PosConnectionOut)

    def post(self, request: StaffApiRequest) -> Response:
        access = _access(request)
        data = validated(PosConnectionInput, request.data)
        restaurant = access_restaurant(access=access, restaurant_id=data.pop("restaurant"))
        status = data.pop("status", None)
        pos_connection, issued = services.create_connection(actor=request.user, restaurant=restaurant, **data)
        if status == ConnectionStatus.PAUSED:
            pos_connection = services.update_connection(
                actor=request.user, pos_connection=pos_connection, changes={"status": status}
            )
        body = PosConnectionOut(pos_connection, context={"request": request}).data
        # Shown this once; only encrypted copies (secret) or digests (token) are kept.
        body["signing_secret"] = issued.signing_secret
        body["inbound_token"] = issued.inbound_token
        return Response(body, status=201)


class PosConnectionDetailApi(APIView):
    required_permission: ClassVar[dict[str, Permission]] = {
        "GET": Permission.VIEW_DASHBOARD,
        "PUT": Permission.MANAGE_POS,
        "PATCH": Permission.MANAGE_POS,
        "DELETE": Permission.MANAGE_POS,
    }

    def get(self, request: Request, connection_id: int) -> Response:
        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        return Response(PosConnectionOut(pos_connection, context={"request": request}).data)

    def put(self, request: StaffApiRequest, connection_id: int) -> Response:
        return self._update(request, connection_id, partial=False)

    def patch(self, request: StaffApiRequest, connection_id: int) -> Response:
        return self._update(request, connection_id, partial=True)

    def _update(self, request: StaffApiRequest, connection_id: int, *, partial: bool) -> Response:
        access = _access(request)
        pos_connection = selectors.access_connection(access=access, connection_id=connection_id)
        data = validated(PosConnectionInput, request.data, partial=partial)
        if "kind" in data and data["kind"] != pos_connection.kind:
            raise ValidationFailed(fields={"kind": [str(_("The POS type cannot change; create a new connection."))]})
        data.pop("kind", None)
        if "restaurant" in data:
            data["restaurant"] = access_restaurant(access=access, restaurant_id=data["restaurant"])
        credentials = data.pop("credentials", None)
        pos_connection = services.update_connection(
            actor=request.user, pos_connection=pos_connection, changes=data, credentials=credentials
        )
        return Response(PosConnectionOut(pos_connection, context={"request": request}).data)

    def delete(self, request: StaffApiRequest, connection_id: int) -> Response:
        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        services.delete_connection(actor=request.user, pos_connection=pos_connection)
        return Response(status=204)


class PosConnectionRotateSecretApi(APIView):
    """POST: a new signing secret, returned once; the old one stays valid for the grace period."""

    required_permission = Permission.MANAGE_POS

    def post(self, request: StaffApiRequest, connection_id: int) -> Response:
        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        pos_connection, secret = services.rotate_signing_secret(actor=request.user, pos_connection=pos_connection)
        return Response(
            {
                "signing_secret": secret,
                "previous_secret_valid_until": pos_connection.previous_secret_valid_until,
                "connection": PosConnectionOut(pos_connection, context={"request": request}).data,
            }
        )


class PosConnectionRotateTokenApi(APIView):
    """POST: a new inbound token (iiko, R-Keeper), returned once; for iiko with `register`, iiko is told too."""

    required_permission = Permission.MANAGE_POS

    def post(self, request: StaffApiRequest, connection_id: int) -> Response:
        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        data = validated(PosConnectionRotateTokenInput, request.data)
        if data["register_with_iiko"]:
            url = request.build_absolute_uri(
                reverse("pos-api:iiko-webhook-receive", kwargs={"connection_id": connection_id})
            )
            token = services.register_iiko_webhook(actor=request.user, pos_connection=pos_connection, webhook_url=url)
        else:
            pos_connection, token = services.rotate_inbound_token(actor=request.user, pos_connection=pos_connection)
        return Response({"inbound_token": token})


class PosConnectionSyncApi(APIView):
    """POST: poll this connection now (queued)."""

    required_permission = Permission.MANAGE_POS

    def post(self, request: Request, connection_id: int) -> Response:
        from pos.tasks import sync_pos_connection

        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        if not pos_connection.is_polled:
            raise ValidationFailed(fields={"kind": [str(_("Only iiko and R-Keeper connections are polled."))]})
        transaction.on_commit(lambda: sync_pos_connection.delay(pos_connection.pk))
        return Response({"queued": True}, status=202)


class SyncRunListApi(APIView):
    required_permission = Permission.VIEW_DASHBOARD

    def get(self, request: Request, connection_id: int) -> Response:
        pos_connection = selectors.access_connection(access=_access(request), connection_id=connection_id)
        return _page(self, request, pos_connection.sync_runs.order_by("-started_at", "-id"), SyncRunOut)


# --- receipts --------------------------------------------------------------------------------------


class ReceiptListApi(APIView):
    """GET /api/v1/pos/receipts?failed=true&restaurant=&connection=&status=&external_id=&received_from=&received_to=
    newest first, in keyset pages (a chain has millions of receipts: no page numbers, no count)."""

    required_permission = Permission.VIEW_DASHBOARD

    @extend_schema(
        summary="Receipts, newest first (keyset pages: follow `next`)",
        parameters=[ReceiptFilters, *KEYSET_PARAMETERS],
        responses={200: keyset_page_of("ReceiptPage", ReceiptOut(many=True))},
    )
    def get(self, request: Request) -> Response:
        params = validated(ReceiptFilters, request.query_params)
        return keyset_response(
            request,
            selectors.receipt_list(access=_access(request), params=params),
            time_field="received_at",
            output=lambda rows: ReceiptOut(rows, many=True, context={"request": request}).data,
        )


class ReceiptDetailApi(APIView):
    required_permission = Permission.VIEW_DASHBOARD

    def get(self, request: Request, receipt_id: int) -> Response:
        receipt = selectors.access_receipt(access=_access(request), receipt_id=receipt_id)
        return Response(ReceiptDetailOut(receipt, context={"request": request}).data)


class ReceiptRerunApi(APIView):
    """POST: run a failed receipt (or one whose guest was not found) through processing again."""

    required_permission = Permission.MANAGE_POS

    def post(self, request: StaffApiRequest, receipt_id: int) -> Response:
        receipt = selectors.access_receipt(access=_access(request), receipt_id=receipt_id)
        receipt = services.rerun_receipt(receipt=receipt, actor=request.user)
        return Response(ReceiptOut(receipt, context={"request": request}).data, status=202)


class ReceiptClaimListApi(APIView):
    """GET /api/v1/receipt-claims?status=&restaurant=&date_from=&date_to=: guests' claims of visits from receipts' QR
    (pos.services.claims), newest first, with the claims page's filters; managers see those matched in their
    restaurants and those not matched to a restaurant yet (pos.selectors.visible_claims, as on the claims page)."""

    required_permission = Permission.VIEW_DASHBOARD

    @extend_schema(
        summary="Guests' claims of visits from fiscal receipts' QR, newest first",
        parameters=[ReceiptClaimFilters],
        responses={200: ReceiptClaimOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = validated(ReceiptClaimFilters, request.query_params)
        receipt_from, receipt_until = selectors.claim_visit_days(params.get("date_from"), params.get("date_to"))
        claims = selectors.receipt_claim_list(
            access=_access(request),
            status=params.get("status", ""),
            restaurant_id=params.get("restaurant"),
            receipt_from=receipt_from,
            receipt_until=receipt_until,
        )
        return _page(self, request, claims, ReceiptClaimOut)


def _claim_detail(request: Request, access: ChainAccess, claim_id: int) -> Response:
    claim = selectors.access_claim(access=access, claim_id=claim_id)
    review = selectors.claim_review(access=access, claim=claim)
    return Response(ReceiptClaimDetailOut(claim, context={"request": request, "review": review}).data)


class ReceiptClaimDetailApi(APIView):
    """GET /api/v1/receipt-claims/{id}: the claim with its QR's fields, its receipt once matched, and while open the
    receipts it may be for (as the claims page shows them). 404 outside the member's claims."""

    required_permission = Permission.VIEW_DASHBOARD

    @extend_schema(
        summary="A guest's receipt claim with the receipts it may be for",
        responses={200: ReceiptClaimDetailOut, **error_responses(_404="receipt_claim_not_found (also outside yours)")},
    )
    def get(self, request: Request, claim_id: int) -> Response:
        return _claim_detail(request, _access(request), claim_id)


class ReceiptClaimMatchApi(APIView):
    """POST /api/v1/receipt-claims/{id}/match {"receipt_id", "note"}: match the claim to a receipt the member chose
    (pos.services.claims.match_claim_to_receipt: the automatic accrual, audited). 409 for a settled claim or a
    receipt that cannot be the claim's; 422 for a receipt that is not one of the claim's possible receipts."""

    required_permission = Permission.VIEW_DASHBOARD

    @extend_schema(
        summary="Match a receipt claim to a receipt",
        request=ReceiptClaimMatchInput,
        responses={
            200: ReceiptClaimDetailOut,
            **error_responses(
                _400="No receipt_id given",
                _404="receipt_claim_not_found (also outside yours)",
                _409="receipt_claim_settled, receipt_already_claimed, receipt_refunded, "
                "receipt_of_another_fiscal_document",
                _422="validation_failed: receipt_id is not one of the claim's possible receipts",
            ),
        },
    )
    def post(self, request: Request, claim_id: int) -> Response:
        access = _access(request)
        selectors.access_claim(access=access, claim_id=claim_id)  # 404 before the body is read
        data = validated(ReceiptClaimMatchInput, request.data)
        match_claim_to_receipt(access=access, claim_id=claim_id, receipt_id=data["receipt_id"], note=data["note"])
        return _claim_detail(request, access, claim_id)


class ReceiptClaimRejectApi(APIView):
    """POST /api/v1/receipt-claims/{id}/reject {"reason"}: reject a waiting claim; the guest is told the reason
    (pos.services.claims.reject_claim, audited). 409 for a settled claim."""

    required_permission = Permission.VIEW_DASHBOARD

    @extend_schema(
        summary="Reject a receipt claim with a reason the guest is told",
        request=ReceiptClaimRejectInput,
        responses={
            200: ReceiptClaimDetailOut,
            **error_responses(
                _400="A reason is required",
                _404="receipt_claim_not_found (also outside yours)",
                _409="receipt_claim_settled",
            ),
        },
    )
    def post(self, request: Request, claim_id: int) -> Response:
        access = _access(request)
        selectors.access_claim(access=access, claim_id=claim_id)
        data = validated(ReceiptClaimRejectInput, request.data)
        reject_claim(access=access, claim_id=claim_id, reason=data["reason"])
        return _claim_detail(request, access, claim_id)


class RejectedAttemptListApi(APIView):
    """Refused pushes, one row per connection (or address), reason and minute with its count; newest first."""

    required_permission = Permission.MANAGE_POS

    def get(self, request: Request) -> Response:
        return _page(self, request, RejectedAttempt.objects.order_by("-received_at", "-id"), RejectedAttemptOut)
