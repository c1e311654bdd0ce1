"""The audit log page: filter, page through (keyset pages, newest first: maxloyalty.keyset) and export who did what
(owners and admins)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from audit.filters import AuditEntryFilter
from maxloyalty.keyset import InvalidCursor, cursor_parameter, keyset_page
from maxloyalty.spreadsheets import csv_lines

CSV_HEADER = [
    "time",
    "who",
    "action",
    "object_type",
    "object_id",
    "object",
    "changes",
    "details",
    "reason",
    "ip",
    "request_id",
]
ENTRIES_PER_PAGE = 50


@permission_required_page(Permission.VIEW_AUDIT)
def audit_list(request: StaffRequest) -> HttpResponse:
    entries = AuditEntryFilter(request.GET or None, chain_id=request.tenant.id)
    page = keyset_page(
        entries.qs, time_field="created_at", cursor=cursor_parameter(request.GET), size=ENTRIES_PER_PAGE, lenient=True
    )
    if page.cursor_was_invalid:
        messages.warning(request, InvalidCursor.message)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)
    return render(request, "audit/list.html", {"filter": entries, "page": page, "query": query.urlencode()})


@permission_required_page(Permission.VIEW_AUDIT)
def audit_export(request: StaffRequest) -> StreamingHttpResponse:
    entries = AuditEntryFilter(request.GET or None, chain_id=request.tenant.id).qs

    def rows() -> Iterator[Sequence[object]]:
        yield CSV_HEADER
        for entry in entries.iterator(chunk_size=2000):
            yield (
                [
                    timezone.localtime(entry.created_at).isoformat(),
                    entry.actor_label,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.object_repr,
                    entry.changes,
                    entry.data,
                    entry.reason,
                    entry.ip_address or "",
                    entry.request_id,
                ]
            )

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
