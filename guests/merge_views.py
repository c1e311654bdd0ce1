"""The duplicates pages (owners, admins): probable duplicates with their reasons, two guests side by side to merge,
and the recent merges with their undo. Each calls guests.duplicates or guests.merge and renders the result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from guests.duplicate_scans import request_duplicate_scan, scan_when_stale
from guests.duplicates import PAGE_SIZE, duplicate_pairs, undoable_merges
from guests.errors import GuestMerged
from guests.masking import mask_contact
from guests.merge import merge_guests, unmerge_guests
from guests.models import Guest
from guests.selectors import access_guest
from maxloyalty.errors import DomainError
from maxloyalty.whole_numbers import whole_number

COMPARED_FIELDS = ("first_name", "last_name", "phone", "email", "card_number", "birthday", "tags", "created_at")
REASON_LABELS = {
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same email"),
    "card": gettext_lazy("same card"),
    "name_birthday": gettext_lazy("similar name, same birthday"),
}


def _access(request: StaffRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # permission_required_page refused non-members already
    return access


def _page_number(raw: str | None) -> int:
    return max(whole_number(raw, default=1, maximum=9_999), 1)


@permission_required_page(Permission.MERGE_GUESTS)
@require_GET
def duplicate_list(request: StaffRequest) -> HttpResponse:
    page = _page_number(request.GET.get("page"))
    scan, is_scanning = scan_when_stale()
    pairs = duplicate_pairs(offset=(page - 1) * PAGE_SIZE)
    rows = [{"pair": pair, "reasons": [REASON_LABELS.get(reason, reason) for reason in pair.reasons]} for pair in pairs]
    return render(
        request,
        "guests/duplicates.html",
        {
            "rows": rows,
            "page": page,
            "has_next": len(pairs) == PAGE_SIZE,
            "merges": undoable_merges(),
            "scan": scan,
            "is_scanning": is_scanning,
        },
    )


@permission_required_page(Permission.MERGE_GUESTS)
@require_POST
def duplicate_scan(request: StaffRequest) -> HttpResponse:
    """ "Find again": queue a scan of the whole chain (one at a time)."""
    if request_duplicate_scan():
        messages.success(request, _("Looking for duplicates again; reload the page in a minute."))
    else:
        messages.info(request, _("A search for duplicates is already running."))
    return redirect("guests:duplicates")


def _side(guest: Guest, access: ChainAccess) -> dict[str, Any]:
    values = {field: getattr(guest, field) for field in COMPARED_FIELDS}
    values["phone"] = mask_contact(guest.phone, kind="phone", access=access)
    values["email"] = mask_contact(guest.email, kind="email", access=access)
    values["tags"] = ", ".join(guest.tags)
    account = getattr(guest, "points_account", None)
    values["points"] = account.available if account else 0
    return values


@permission_required_page(Permission.MERGE_GUESTS)
@require_http_methods(["GET", "POST"])
def merge_compare(request: StaffRequest, first_id: int, second_id: int) -> HttpResponse:
    """Two guests side by side; POST keep=<id> merges the other into it."""
    access = _access(request)
    try:
        first = access_guest(access=access, guest_id=first_id, reach="restaurants")
        second = access_guest(access=access, guest_id=second_id, reach="restaurants")
    except GuestMerged:
        messages.error(request, _("One of these guests was already merged."))
        return redirect("guests:duplicates")
    if request.method == "POST":
        keep = request.POST.get("keep")
        survivor, other = (first, second) if keep == str(first.pk) else (second, first)
        if keep not in (str(first.pk), str(second.pk)):
            messages.error(request, _("Choose the profile to keep."))
        else:
            try:
                merge = merge_guests(access=access, survivor_id=survivor.pk, other_id=other.pk)
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Guests merged. You can undo it for 30 days on the duplicates page."))
                request.session["last_merge_id"] = merge.pk
                return redirect("guests:guest-detail", guest_id=survivor.pk)
    labels = {
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "phone": _("Phone"),
        "email": _("Email"),
        "card_number": _("Card"),
        "birthday": _("Birthday"),
        "tags": _("Tags"),
        "created_at": _("Registered"),
        "points": _("Points"),
    }
    left, right = _side(first, access), _side(second, access)
    rows = [{"label": label, "first": left[field], "second": right[field]} for field, label in labels.items()]
    return render(request, "guests/merge_compare.html", {"first": first, "second": second, "rows": rows})


@permission_required_page(Permission.MERGE_GUESTS)
@require_POST
def merge_undo(request: StaffRequest, merge_id: int) -> HttpResponse:
    try:
        merge = unmerge_guests(access=_access(request), merge_id=merge_id)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("guests:duplicates")
    messages.success(request, _("The merge was undone: both guests are back as they were."))
    return redirect("guests:guest-detail", guest_id=merge.merged_id)
