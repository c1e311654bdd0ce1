"""The guests REST API: thin views, one per operation, each calling one selector or service."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ChainAccess, access_for
from accounts.roles import Permission
from audit.services import record_audit
from guests.api.serializers import (
    DuplicateListInput,
    DuplicatePageOut,
    DuplicatePairOut,
    GuestCreateInput,
    GuestDetailOut,
    GuestEraseInput,
    GuestFieldsInput,
    GuestImportInput,
    GuestLookupInput,
    GuestMergeInput,
    GuestMergeOut,
    GuestOut,
    GuestStatusInput,
    GuestWalletOut,
    ImportJobOut,
    VisitOut,
    WalletLinkSentOut,
)
from guests.duplicate_scans import scan_when_stale
from guests.duplicates import PAGE_SIZE, duplicate_pairs
from guests.export import export_rows
from guests.filters import GuestFilter
from guests.merge import merge_guests, unmerge_guests
from guests.selectors import (
    access_guest,
    access_import_job,
    count_guests,
    guest_list,
    guest_visits,
    lists_newest_first,
    lookup_guest,
)
from guests.services import block_guest, create_guest, erase_guest, start_import_job, unblock_guest, update_guest
from maxloyalty.api import (
    KEYSET_PARAMETERS,
    CappedCountPagination,
    error_responses,
    keyset_page_of,
    keyset_response,
    page_of,
    validated,
)
from maxloyalty.current_schema import current_schema_name
from wallet.selectors import add_to_wallet_url, wallet_cards_of_guest
from wallet.services import send_add_to_wallet_link

_ERRORS = {
    400: OpenApiResponse(description="Invalid input: {error: {code, message, fields}}"),
    404: OpenApiResponse(description="Guest not found (also when outside your restaurants or in another chain)"),
    409: OpenApiResponse(description="duplicate_guest / duplicate_card, with existing_guest_id"),
    422: OpenApiResponse(description="malformed_phone, restaurant_out_of_reach, validation_failed"),
}
_PHONE_PROBES_429 = OpenApiResponse(description="too_many_phone_lookups: too many phone numbers tried, wait a while")


def _access(request: Request) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # HasChainPermission refused non-members already
    return access


def _filter_parameters() -> list[OpenApiParameter]:
    types = {"DateFilter": OpenApiTypes.DATE, "NumberFilter": OpenApiTypes.INT}
    return [
        OpenApiParameter(name, types.get(type(item).__name__, OpenApiTypes.STR), description=str(item.label or ""))
        for name, item in GuestFilter.base_filters.items()
    ] + [
        OpenApiParameter("page", OpenApiTypes.INT),
        OpenApiParameter("page_size", OpenApiTypes.INT),
        OpenApiParameter(
            "cursor",
            OpenApiTypes.STR,
            description=(
                "Keyset pages for deep lists (no q, no ordering): pass it empty for the first page, then follow "
                "`next`; the page then has next, previous and results, and no count"
            ),
        ),
    ]


def _service_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "home_restaurant" in fields:
        fields["home_restaurant_id"] = fields.pop("home_restaurant")
    if "consents" in fields:
        fields["consents"] = dict(fields["consents"])
    return fields


class GuestListCreateApi(APIView):
    required_permission = {"GET": Permission.VIEW_GUESTS, "POST": Permission.CREATE_GUEST}

    @extend_schema(
        parameters=_filter_parameters(),
        responses={
            200: page_of("GuestPage", GuestOut(many=True), capped=True),
            400: _ERRORS[400],
            429: _PHONE_PROBES_429,
        },
        summary="Guests you can see, filtered, searched (q), ordered and paginated",
        operation_id="guests_list",
    )
    def get(self, request: Request) -> Response:
        access = _access(request)
        guests = guest_list(access=access, params=request.query_params)
        if "cursor" in request.query_params and lists_newest_first(request.query_params):
            # Deep pages of a list in its default order: keyset pages (no count, no OFFSET; maxloyalty.keyset).
            return keyset_response(
                request,
                guests,
                time_field="created_at",
                output=lambda rows: GuestOut(rows, many=True, context={"access": access}).data,  # type: ignore[arg-type]  # many=True: a list
            )
        # Page numbers (existing clients): the count stops at GUEST_COUNT_CAP (count_is_capped says so).
        paginator = CappedCountPagination(count_guests)
        page = paginator.paginate_queryset(guests, request, view=self)
        listed = GuestOut(page, many=True, context={"access": access})  # type: ignore[arg-type]  # many=True: a list
        return paginator.get_paginated_response(listed.data)

    @extend_schema(
        request=GuestCreateInput,
        responses={201: GuestOut, 400: _ERRORS[400], 409: _ERRORS[409], 422: _ERRORS[422]},
        summary="Create a guest (phone in any spelling; 409 with existing_guest_id if the phone is taken)",
    )
    def post(self, request: Request) -> Response:
        access = _access(request)
        data = validated(GuestCreateInput, request.data)
        guest = create_guest(access=access, **_service_fields(data))
        guest = access_guest(access=access, guest_id=guest.pk, reach="restaurants")
        return Response(GuestOut(guest, context={"access": access}).data, status=status.HTTP_201_CREATED)


class GuestDetailApi(APIView):
    required_permission = {
        "GET": Permission.VIEW_GUESTS,
        "PUT": Permission.EDIT_GUEST,
        "PATCH": Permission.EDIT_GUEST,
        "DELETE": Permission.ERASE_GUEST,
    }
    # PUT replaces the profile: these are emptied when left out (restaurant, card, language, consents are kept).
    PUT_DEFAULTS: dict[str, Any] = {
        "first_name": "",
        "last_name": "",
        "email": "",
        "birthday": None,
        "gender": "",
        "tags": [],
        "note": "",
    }

    @extend_schema(
        responses={200: GuestDetailOut, 404: _ERRORS[404]}, summary="One guest (with the wallets holding the card)"
    )
    def get(self, request: Request, guest_id: int) -> Response:
        access = _access(request)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        return Response(GuestDetailOut(guest, context={"access": access}).data)

    def _update(self, request: Request, guest_id: int, *, partial: bool) -> Response:
        access = _access(request)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        data = validated(GuestFieldsInput, request.data, partial=partial)
        if not partial:
            data = {**self.PUT_DEFAULTS, **data}
        update_guest(access=access, guest=guest, data=_service_fields(data))
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        return Response(GuestOut(guest, context={"access": access}).data)

    @extend_schema(
        request=GuestFieldsInput,
        responses={200: GuestOut, **_ERRORS},
        summary="Replace a guest's profile (audited, old → new)",
    )
    def put(self, request: Request, guest_id: int) -> Response:
        return self._update(request, guest_id, partial=False)

    @extend_schema(
        request=GuestFieldsInput,
        responses={200: GuestOut, **_ERRORS},
        summary="Change some of a guest's fields (audited, old → new)",
    )
    def patch(self, request: Request, guest_id: int) -> Response:
        return self._update(request, guest_id, partial=True)

    @extend_schema(
        request=GuestEraseInput,
        parameters=[OpenApiParameter("reason", OpenApiTypes.STR, description="Why (kept in the audit log)")],
        responses={204: None, 404: _ERRORS[404]},
        summary="Erase the guest's personal data (152-FZ / GDPR); visits and points history stay for totals",
    )
    def delete(self, request: Request, guest_id: int) -> Response:
        access = _access(request)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        body = request.data if isinstance(request.data, dict) else {}
        data = validated(GuestEraseInput, {"reason": body.get("reason") or request.query_params.get("reason", "")})
        reason = data.get("reason") or str(_("Erasure requested by the guest"))
        erase_guest(guest=guest, access=access, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuestBlockApi(APIView):
    required_permission = Permission.EDIT_GUEST

    @extend_schema(request=GuestStatusInput, responses={200: GuestOut, 404: _ERRORS[404]}, summary="Block a guest")
    def post(self, request: Request, guest_id: int) -> Response:
        access = _access(request)
        data = validated(GuestStatusInput, request.data)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        guest = block_guest(access=access, guest=guest, reason=data["reason"])
        return Response(GuestOut(guest, context={"access": access}).data)


class GuestUnblockApi(APIView):
    required_permission = Permission.EDIT_GUEST

    @extend_schema(request=GuestStatusInput, responses={200: GuestOut, 404: _ERRORS[404]}, summary="Unblock a guest")
    def post(self, request: Request, guest_id: int) -> Response:
        access = _access(request)
        data = validated(GuestStatusInput, request.data)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        guest = unblock_guest(access=access, guest=guest, reason=data["reason"])
        return Response(GuestOut(guest, context={"access": access}).data)


class GuestWalletApi(APIView):
    """GET /api/v1/guests/{id}/wallet: the guest's wallet cards (as the guest's page shows them) and the signed
    add-to-wallet URL an integrator can put in their own app or email."""

    required_permission = Permission.BROWSE_GUESTS  # the guest's page

    @extend_schema(
        responses={200: GuestWalletOut, 404: _ERRORS[404]},
        summary="A guest's wallet cards and their signed add-to-wallet URL",
    )
    def get(self, request: Request, guest_id: int) -> Response:
        guest = access_guest(access=_access(request), guest_id=guest_id, reach="restaurants")
        body = {"cards": wallet_cards_of_guest(guest), "add_url": add_to_wallet_url(guest) or None}
        return Response(GuestWalletOut(body).data)


class GuestWalletLinkApi(APIView):
    """POST /api/v1/guests/{id}/wallet-link: send the guest the add-to-wallet link (wallet.services, as the guest's
    page does: a service message through the channel messaging chooses, audited, once a minute)."""

    required_permission = Permission.EDIT_GUEST  # the guest page's "send the add-to-wallet link"

    @extend_schema(
        request=None,
        responses={
            202: WalletLinkSentOut,
            **error_responses(
                _404="Guest not found (also outside your restaurants); wallet_not_configured",
                _409="wallet_guest_not_active",
                _429="wallet_link_sent_recently: sent this minute already",
            ),
        },
        summary="Send the guest the add-to-wallet link",
    )
    def post(self, request: Request, guest_id: int) -> Response:
        access = _access(request)
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
        message = send_add_to_wallet_link(guest=guest, actor=access.user)
        body = {
            "message_id": message.pk,
            "channel": message.channel,
            "status": message.status,
            "reason": message.reason,
        }
        return Response(WalletLinkSentOut(body).data, status=status.HTTP_202_ACCEPTED)


class GuestVisitListApi(APIView):
    required_permission = Permission.VIEW_GUESTS

    @extend_schema(
        parameters=KEYSET_PARAMETERS,
        responses={200: keyset_page_of("VisitPage", VisitOut(many=True), with_count=True), 404: _ERRORS[404]},
        summary="A guest's visits, newest first (keyset pages: follow `next`)",
    )
    def get(self, request: Request, guest_id: int) -> Response:
        guest = access_guest(access=_access(request), guest_id=guest_id, reach="restaurants")
        return keyset_response(
            request,
            guest_visits(guest=guest),
            time_field="visited_at",
            output=lambda rows: VisitOut(rows, many=True).data,
            with_count=True,  # one guest's visits: counted from their index
        )


class GuestLookupApi(APIView):
    required_permission = Permission.VIEW_GUESTS

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", OpenApiTypes.STR, description="Any spelling: 8 (916) 123-45-67, +7916…"),
            OpenApiParameter("card", OpenApiTypes.STR),
            OpenApiParameter("qr", OpenApiTypes.STR, description="The token from the guest's QR code"),
        ],
        responses={200: GuestOut, 404: _ERRORS[404], 422: _ERRORS[422], 429: _PHONE_PROBES_429},
        summary="Find the one guest by exactly one of phone, card number, QR token (the till's lookup: any guest "
        "of the chain, who may then be served by id for a few hours)",
    )
    def get(self, request: Request) -> Response:
        access = _access(request)
        data = validated(GuestLookupInput, request.query_params)
        guest = lookup_guest(access=access, phone=data.get("phone"), card=data.get("card"), qr=data.get("qr"))
        return Response(GuestOut(guest, context={"access": access}).data)


class GuestImportApi(APIView):
    required_permission = Permission.IMPORT_GUESTS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": GuestImportInput},
        responses={202: ImportJobOut, 400: _ERRORS[400]},
        summary="Upload a CSV of guests; it is imported in the background (poll GET /guests/import/{job_id})",
    )
    def post(self, request: Request) -> Response:
        access = _access(request)
        data = validated(GuestImportInput, request.data)
        job = start_import_job(access=access, upload=data["file"])
        return Response(ImportJobOut(job).data, status=status.HTTP_202_ACCEPTED)


class GuestImportStatusApi(APIView):
    required_permission = Permission.IMPORT_GUESTS

    @extend_schema(responses={200: ImportJobOut, 404: _ERRORS[404]}, summary="Progress and bad rows of an import")
    def get(self, request: Request, job_id: int) -> Response:
        job = access_import_job(access=_access(request), job_id=job_id)
        return Response(ImportJobOut(job).data)


class _Echo:
    """csv.writer writes into this and gets back the line, so rows can be streamed one by one."""

    def write(self, value: str) -> str:
        return value


class GuestExportApi(APIView):
    required_permission = Permission.EXPORT_GUESTS

    @extend_schema(
        parameters=[parameter for parameter in _filter_parameters() if parameter.name not in ("page", "page_size")],
        responses={(200, "text/csv"): OpenApiTypes.STR, 400: _ERRORS[400]},
        summary="Every guest matching the list's filters as CSV (streamed; contacts masked for your role)",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        access = _access(request)
        params = {key: value for key, value in request.query_params.items() if key not in ("page", "page_size")}
        guests = guest_list(access=access, params=params)
        record_audit(action="guests.exported", actor=access.user, data={"filters": params})
        schema_name, zone = current_schema_name(), timezone.get_current_timezone()

        def lines() -> Iterator[str]:
            writer = csv.writer(_Echo())
            yield "\ufeff"  # BOM: spreadsheets then read the file as UTF-8
            # The body is produced after the view (and the middleware) returned: restore the chain and its zone.
            with schema_context(schema_name), timezone.override(zone):
                for row in export_rows(access=access, guests=guests):
                    yield writer.writerow(row)

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="guests-{stamp}.csv"'
        return response


class GuestDuplicateListApi(APIView):
    required_permission = Permission.MERGE_GUESTS

    @extend_schema(
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("guest", OpenApiTypes.INT, description="Only the pairs of this guest"),
        ],
        responses={200: DuplicatePageOut},
        summary="Pairs of guests who are probably one person, with the reasons (phone, email, card, name_birthday)",
    )
    def get(self, request: Request) -> Response:
        access = _access(request)
        data = validated(DuplicateListInput, request.query_params)
        scan, is_scanning = scan_when_stale()
        pairs = duplicate_pairs(offset=(data["page"] - 1) * PAGE_SIZE, guest_id=data.get("guest"))
        page = DuplicatePairOut(pairs, many=True, context={"access": access}).data
        compared_at = scan.finished_at if scan is not None else None
        return Response({"results": page, "compared_at": compared_at, "is_comparing": is_scanning})


class GuestMergeApi(APIView):
    required_permission = Permission.MERGE_GUESTS

    @extend_schema(
        request=GuestMergeInput,
        responses={201: GuestMergeOut, 404: _ERRORS[404], 409: OpenApiResponse(description="cannot_merge_guest")},
        summary="Merge guest other_id into this guest (audited; undo within 30 days)",
    )
    def post(self, request: Request, guest_id: int) -> Response:
        data = validated(GuestMergeInput, request.data)
        merge = merge_guests(access=_access(request), survivor_id=guest_id, other_id=data["other_id"])
        return Response(GuestMergeOut(merge).data, status=status.HTTP_201_CREATED)


class GuestMergeUndoApi(APIView):
    required_permission = Permission.MERGE_GUESTS

    @extend_schema(
        request=None,
        responses={200: GuestMergeOut, 404: _ERRORS[404], 409: OpenApiResponse(description="merge_undo_refused")},
        summary="Undo a merge within 30 days (refused later, or once the merged points were spent)",
    )
    def post(self, request: Request, merge_id: int) -> Response:
        merge = unmerge_guests(access=_access(request), merge_id=merge_id)
        return Response(GuestMergeOut(merge).data)
