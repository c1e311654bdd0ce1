"""The guest base pages for owners, admins and managers: list, bulk tag, import, export, detail and its actions.

Managers see only their restaurants' guests: every page reads through guests.selectors (guest_list, and
access_guest with reach="restaurants"), and a guest out of reach is a 404. Contacts pass through guests.masking. Writes go through guests.services and loyalty.services, which audit them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from math import ceil
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tenants.utils import schema_context

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.restaurant_choice import with_chosen_restaurant
from accounts.roles import Permission
from audit.services import record_audit
from guests.errors import GuestMerged
from guests.export import export_rows
from guests.export_jobs import start_guest_export, stream_limit
from guests.forms import (
    AdjustPointsForm,
    BulkTagForm,
    EraseForm,
    GuestEditForm,
    GuestFilterForm,
    ImportForm,
    StatusReasonForm,
)
from guests.masking import mask_contact
from guests.models import ConsentChannel, Guest, ImportStatus
from guests.selectors import (
    access_guest,
    access_guest_export,
    access_import_job,
    count_guests,
    guest_list,
    guest_visits,
    lists_newest_first,
    loyalty_figures,
)
from guests.services import block_guest, erase_guest, start_import_job, unblock_guest, update_guest
from loyalty.selectors import Balance, guest_balance, guest_ledger
from loyalty.services import adjust_points
from maxloyalty.capped_count import CappedCountPaginator
from maxloyalty.chain_files import file_response
from maxloyalty.current_schema import current_schema_name
from maxloyalty.errors import DomainError, ValidationFailed, domain_errors_into
from maxloyalty.keyset import InvalidCursor, Position, cursor_parameter, encode_cursor, keyset_page
from maxloyalty.whole_numbers import whole_number
from telegram_bot.selectors import guest_deliveries
from wallet.configuration import wallet_configured
from wallet.selectors import wallet_cards_of_guest
from wallet.services import send_add_to_wallet_link

GUESTS_PER_PAGE = 25
LEDGER_PER_PAGE = 20
VISITS_SHOWN = 20


def _posted(request: HttpRequest) -> Any:
    """The submitted form data on a POST (an empty POST still binds the form, so it shows what is missing)."""
    return request.POST if request.method == "POST" else None


def _access(request: HttpRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # permission_required_page let the request in
    return access


def _filtered_guests(request: HttpRequest, access: ChainAccess) -> tuple[GuestFilterForm, Any]:
    """The filter form bound to the query string and the guests it selects (none when a filter is invalid)."""
    form = GuestFilterForm(with_chosen_restaurant(request, access, "home_restaurant"), access=access)
    guests = Guest.objects.none()
    if form.is_valid():
        with domain_errors_into(form):
            guests = guest_list(access=access, params=form.params())
    return form, guests


def _list_row(guest: Guest, access: ChainAccess) -> dict[str, Any]:
    return {
        "guest": guest,
        "phone": mask_contact(guest.phone, kind="phone", access=access),
        "loyalty": loyalty_figures(guest) or {},
    }


def _page_number(request: HttpRequest) -> int:
    return max(whole_number(request.GET.get("page"), default=1), 1)


def _guest_page(request: HttpRequest, guests: Any, *, newest_first: bool) -> tuple[list[Guest], dict[str, Any]]:
    """The guests of the page asked for and the pager's links. A list in its default order (newest first) pages by
    keyset: its links carry the edge row's cursor (after/before) beside the page number shown; a page number alone
    (an old link) or another order pages by number."""
    number, cursor = _page_number(request), request.GET.get("cursor")
    if newest_first and (cursor or number == 1):
        keyset = keyset_page(guests, time_field="created_at", cursor=cursor, size=GUESTS_PER_PAGE, lenient=True)
        if keyset.cursor_was_invalid:
            number = 1
        counted = count_guests(guests)
        total, more = counted.total, counted.more
        pager = {
            "number": number,
            "pages": max(ceil(total / GUESTS_PER_PAGE), 1),
            "total": total,
            "more": more,
            "previous": f"page={number - 1}&cursor={keyset.newer_cursor}" if keyset.newer_cursor else "",
            "next": f"page={number + 1}&cursor={keyset.older_cursor}" if keyset.older_cursor else "",
        }
        return keyset.rows, pager
    paginator = CappedCountPaginator.counting_with(count_guests)(guests, GUESTS_PER_PAGE)
    page = paginator.get_page(number)
    rows = list(page.object_list)
    next_link = ""
    if page.has_next():
        next_link = f"page={page.next_page_number()}"
        if newest_first and rows:
            next_link += f"&cursor={encode_cursor(Position(rows[-1].created_at, rows[-1].pk, 'older'))}"
    pager = {
        "number": page.number,
        "pages": page.paginator.num_pages,
        "total": page.paginator.count,
        "more": paginator.count_is_capped,
        "previous": f"page={page.previous_page_number()}" if page.has_previous() else "",
        "next": next_link,
    }
    return rows, pager


@permission_required_page(Permission.BROWSE_GUESTS)
@require_GET
def guest_list_page(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    form, guests = _filtered_guests(request, access)
    rows, pager = _guest_page(request, guests, newest_first=lists_newest_first(form.params()))
    # The filters in effect, so the pages and exports show the same guests.
    query = form.data.copy()  # type: ignore[attr-defined]  # the form is bound to a QueryDict
    for paging in ("page", "cursor"):
        query.pop(paging, None)
    return render(
        request,
        "guests/list.html",
        {
            "filter_form": form,
            "pager": pager,
            "rows": [_list_row(guest, access) for guest in rows],
            "query": query.urlencode(),
            "is_filtered": bool(form.params()) and set(form.params()) != {"ordering"},
            "bulk_form": BulkTagForm(),
        },
    )


@permission_required_page(Permission.EDIT_GUEST)
@require_POST
def bulk_tag(request: StaffRequest) -> HttpResponse:
    """Add or remove one tag on the ticked guests; each change is an audited update_guest."""
    access = _access(request)
    back = reverse("guests:guest-list") + "?" + request.POST.get("query", "")
    form = BulkTagForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)  # type: ignore[arg-type]  # an ErrorList yields its messages as text
        return redirect(back)
    tag, adding = form.cleaned_data["tag"].strip(), form.cleaned_data["operation"] == BulkTagForm.ADD
    changed, refused = 0, 0
    for guest_id in form.cleaned_data["guest_ids"]:
        try:
            guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
            if (tag in guest.tags) == adding:
                continue
            tags = [*guest.tags, tag] if adding else [item for item in guest.tags if item != tag]
            update_guest(access=access, guest=guest, data={"tags": tags})
            changed += 1
        except DomainError:
            refused += 1
    if adding:
        text = ngettext("Tag “%(tag)s” added to %(n)d guest.", "Tag “%(tag)s” added to %(n)d guests.", changed)
    else:
        text = ngettext("Tag “%(tag)s” removed from %(n)d guest.", "Tag “%(tag)s” removed from %(n)d guests.", changed)
    messages.success(request, text % {"tag": tag, "n": changed})
    if refused:
        messages.error(
            request,
            ngettext("%(n)d guest could not be changed.", "%(n)d guests could not be changed.", refused)
            % {"n": refused},
        )
    return redirect(back)


def _export_params(request: HttpRequest, access: ChainAccess) -> tuple[dict[str, Any], Any]:
    form = GuestFilterForm(with_chosen_restaurant(request, access, "home_restaurant"), access=access)
    if not form.is_valid():
        raise ValidationFailed(fields={key: [str(error) for error in errors] for key, errors in form.errors.items()})
    params = form.params()
    return params, guest_list(access=access, params=params)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


class _Echo:
    """csv.writer writes into this and gets back the line, so rows can be streamed one by one."""

    def write(self, value: str) -> str:
        return value


def _export_in_storage(
    access: ChainAccess, params: dict[str, Any], guests: Any, file_format: str
) -> HttpResponse | None:
    """A large export is written by a worker into the chain's files: the asker waits on its page instead."""
    if guests.count() <= stream_limit():
        return None
    export = start_guest_export(access=access, params=params, file_format=file_format)
    return redirect("guests:export-job", export_id=export.pk)


@permission_required_page(Permission.EXPORT_GUESTS)
@require_GET
def export_csv(request: StaffRequest) -> HttpResponseBase:
    access = _access(request)
    params, guests = _export_params(request, access)
    if (deferred := _export_in_storage(access, params, guests, "csv")) is not None:
        return deferred
    record_audit(action="guests.exported", actor=access.user, data={"filters": params, "format": "csv"})
    schema_name, zone = current_schema_name(), timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"  # BOM: spreadsheets then read the file as UTF-8
        # The body is produced after the view (and the middleware) returned: restore the chain and its zone.
        with schema_context(schema_name), timezone.override(zone):
            for row in export_rows(access=access, guests=guests):
                yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="guests-{_stamp()}.csv"'
    return response


@permission_required_page(Permission.EXPORT_GUESTS)
@require_GET
def export_xlsx(request: StaffRequest) -> HttpResponseBase:
    """The same rows as the CSV in a workbook built in write-only mode (rows are not kept in memory as cells)."""
    from openpyxl import Workbook

    access = _access(request)
    params, guests = _export_params(request, access)
    if (deferred := _export_in_storage(access, params, guests, "xlsx")) is not None:
        return deferred
    record_audit(action="guests.exported", actor=access.user, data={"filters": params, "format": "xlsx"})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Guests")[:31])
    for row in export_rows(access=access, guests=guests):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="guests-{_stamp()}.xlsx"'
    return response


@permission_required_page(Permission.EXPORT_GUESTS)
@require_GET
def export_job(request: StaffRequest, export_id: int) -> HttpResponse:
    export = access_guest_export(access=_access(request), export_id=export_id)
    template = "guests/_export_progress.html" if request.htmx else "guests/export_job.html"
    is_finished = export.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return render(request, template, {"export": export, "is_finished": is_finished})


@permission_required_page(Permission.EXPORT_GUESTS)
@require_GET
def export_file(request: StaffRequest, export_id: int) -> HttpResponseBase:
    """The written export, for the one who asked for it: a signed link (S3) or the file."""
    export = access_guest_export(access=_access(request), export_id=export_id)
    if not export.file:
        raise Http404("the export is not written yet")
    return file_response(name=export.file.name or "", download_name=export.download_name)


@permission_required_page(Permission.IMPORT_GUESTS)
@require_http_methods(["GET", "POST"])
def import_upload(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    form = ImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            job = start_import_job(access=access, upload=form.cleaned_data["file"])
            return redirect("guests:import-job", job_id=job.pk)
    return render(request, "guests/import.html", {"form": form})


def _job_context(job: Any) -> dict[str, Any]:
    percent = int(job.processed * 100 / job.total) if job.total else (100 if job.status == ImportStatus.DONE else 0)
    return {
        "job": job,
        "percent": percent,
        "is_finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }


@permission_required_page(Permission.IMPORT_GUESTS)
@require_GET
def import_job(request: StaffRequest, job_id: int) -> HttpResponse:
    job = access_import_job(access=_access(request), job_id=job_id)
    template = "guests/_import_progress.html" if request.htmx else "guests/import_job.html"
    return render(request, template, _job_context(job))


@permission_required_page(Permission.IMPORT_GUESTS)
@require_GET
def import_file(request: StaffRequest, job_id: int) -> HttpResponseBase:
    """The uploaded file of an import, while it is kept (it is deleted once imported): for who may see the job."""
    job = access_import_job(access=_access(request), job_id=job_id)
    if not job.file:
        raise Http404("the import's file is no longer kept")
    return file_response(name=job.file.name or "", download_name=job.file_name or "guests.csv")


def _level_progress(balance: Balance) -> int | None:
    """How far the guest is from their level's threshold to the next one, in percent (None: top level)."""
    if balance.next_level is None or balance.spend_to_next_level_amount is None:
        return None
    start = balance.level.threshold_amount if balance.level else Decimal(0)
    span = balance.next_level.threshold_amount - start
    if span <= 0:
        return 100
    done = span - balance.spend_to_next_level_amount
    return max(0, min(100, int(done * 100 / span)))


def _points_context(request: HttpRequest, access: ChainAccess, guest: Guest, **extra: Any) -> dict[str, Any]:
    balance = guest_balance(guest=guest)
    ledger = keyset_page(
        guest_ledger(guest=guest, access=access),
        time_field="created_at",
        cursor=cursor_parameter(request.GET),
        size=LEDGER_PER_PAGE,
        lenient=True,
    )
    if ledger.cursor_was_invalid:
        messages.warning(request, InvalidCursor.message)
    form = extra.pop("adjust_form", None) or AdjustPointsForm(initial={"operation_key": AdjustPointsForm.new_key()})
    return {
        "guest": guest,
        "balance": balance,
        "level_progress": _level_progress(balance),
        "ledger": ledger,
        "adjust_form": form,
        **extra,
    }


def _detail_context(request: HttpRequest, access: ChainAccess, guest: Guest, **extra: Any) -> dict[str, Any]:
    return {
        **_points_context(request, access, guest, **extra),
        "phone": mask_contact(guest.phone, kind="phone", access=access),
        "email": mask_contact(guest.email, kind="email", access=access),
        "visits": list(guest_visits(guest=guest)[:VISITS_SHOWN]),
        "consents": [label for channel, label in ConsentChannel.choices if guest.has_consent(channel)],
        "status_form": StatusReasonForm(),
        "telegram_deliveries": guest_deliveries(guest=guest),
        "wallet_cards": wallet_cards_of_guest(guest),
        "wallet_available": wallet_configured(),
    }


@permission_required_page(Permission.BROWSE_GUESTS)
@require_GET
def guest_detail(request: StaffRequest, guest_id: int) -> HttpResponse:
    access = _access(request)
    try:
        guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    except GuestMerged as merged:  # a merged profile's old link leads to the profile that kept its history
        return redirect("guests:guest-detail", guest_id=merged.details["merged_into"])
    return render(request, "guests/detail.html", _detail_context(request, access, guest))


@permission_required_page(Permission.ADJUST_POINTS)
@require_POST
def adjust(request: StaffRequest, guest_id: int) -> HttpResponse:
    """A manual correction with a reason; the service enforces the manager's limit and the refusal shows on the form."""
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    form = AdjustPointsForm(request.POST)
    entry = None
    if form.is_valid():
        with domain_errors_into(form):
            entry = adjust_points(
                guest=guest,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                actor=access.user,
                idempotency_key=form.cleaned_data["operation_key"],
            )
    if entry is not None:
        message = ngettext("%(points)+d point: %(reason)s", "%(points)+d points: %(reason)s", abs(entry.points)) % {
            "points": entry.points,
            "reason": entry.reason,
        }
        if not request.htmx:
            messages.success(request, message)
            return redirect("guests:guest-detail", guest_id=guest.pk)
        return render(request, "guests/_points.html", _points_context(request, access, guest, adjusted=message))
    if request.htmx:
        return render(request, "guests/_points.html", _points_context(request, access, guest, adjust_form=form))
    return render(request, "guests/detail.html", _detail_context(request, access, guest, adjust_form=form))


@permission_required_page(Permission.EDIT_GUEST)
@require_http_methods(["GET", "POST"])
def guest_edit(request: StaffRequest, guest_id: int) -> HttpResponse:
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    if request.method == "POST":
        form = GuestEditForm(request.POST, access=access)
        if form.is_valid():
            with domain_errors_into(form):
                update_guest(access=access, guest=guest, data=form.service_data())
                messages.success(request, _("Guest saved."))
                return redirect("guests:guest-detail", guest_id=guest.pk)
    else:
        form = GuestEditForm(initial=GuestEditForm.initial_for(guest), access=access)
    return render(request, "guests/edit.html", {"guest": guest, "form": form})


@permission_required_page(Permission.EDIT_GUEST)
@require_POST
def guest_block(request: StaffRequest, guest_id: int) -> HttpResponse:
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    form = StatusReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    block_guest(access=access, guest=guest, reason=reason)
    messages.success(request, _("Guest blocked: they can neither earn nor spend points."))
    return redirect("guests:guest-detail", guest_id=guest.pk)


@permission_required_page(Permission.EDIT_GUEST)
@require_POST
def guest_wallet_link(request: StaffRequest, guest_id: int) -> HttpResponse:
    """Send the guest the signed "add to wallet" link (the channel messaging chooses); audited."""
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    try:
        message = send_add_to_wallet_link(guest=guest, actor=access.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("guests:guest-detail", guest_id=guest.pk)
    if message.channel:
        messages.success(
            request,
            _("The add-to-wallet link is on its way by %(channel)s.") % {"channel": message.get_channel_display()},
        )
    else:
        messages.warning(request, _("The link could not be sent: %(reason)s") % {"reason": message.reason or "—"})
    return redirect("guests:guest-detail", guest_id=guest.pk)


@permission_required_page(Permission.EDIT_GUEST)
@require_POST
def guest_unblock(request: StaffRequest, guest_id: int) -> HttpResponse:
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    form = StatusReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    unblock_guest(access=access, guest=guest, reason=reason)
    messages.success(request, _("Guest unblocked."))
    return redirect("guests:guest-detail", guest_id=guest.pk)


@permission_required_page(Permission.ERASE_GUEST)
@require_http_methods(["GET", "POST"])
def guest_erase(request: StaffRequest, guest_id: int) -> HttpResponse:
    """GET asks for confirmation; only a confirmed POST erases the guest's personal data (audited)."""
    access = _access(request)
    guest = access_guest(access=access, guest_id=guest_id, reach="restaurants")
    form = EraseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"] or _("Erasure requested by the guest")
        erase_guest(guest=guest, access=access, reason=reason)
        messages.success(request, _("The guest's personal data has been erased."))
        return redirect("guests:guest-list")
    return render(
        request,
        "guests/erase_confirm.html",
        {"guest": guest, "form": form, "phone": mask_contact(guest.phone, kind="phone", access=access)},
    )
