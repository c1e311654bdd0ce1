"""The fraud review pages (owners, admins): the queue with filters, a flag with its evidence and the guest's state,
and the reviewer's actions (dismiss, freeze, unfreeze, reverse chosen operations), each calling fraud.services."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from fraud import services
from fraud.forms import FlagFilterForm, FraudSettingsForm, ReviewForm
from fraud.models import FraudFlag
from fraud.selectors import (
    access_flag,
    flag_entries,
    fraud_settings,
    is_points_frozen,
    reversed_entry_ids,
    review_queue,
)
from maxloyalty.errors import DomainError
from maxloyalty.whole_numbers import whole_number
from restaurants.models import Restaurant

PAGE_SIZE = 50


def _access(request: StaffRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # permission_required_page refused non-members already
    return access


def _page_number(raw: str | None) -> int:
    return max(whole_number(raw, default=1, maximum=9_999), 1)


@permission_required_page(Permission.REVIEW_FRAUD)
@require_GET
def flag_list(request: StaffRequest) -> HttpResponse:
    filters = FlagFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    page = _page_number(request.GET.get("page"))
    flags = list(
        review_queue(status=values.get("status", ""), rule=values.get("rule", ""))[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1
        ]
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fraud/flag_list.html",
        {
            "filters": filters,
            "flags": flags[:PAGE_SIZE],
            "page": page,
            "has_next": len(flags) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


def _when(value: object) -> object:
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _evidence_context(flag: FraudFlag) -> dict[str, Any]:
    """The evidence as the page shows it: checks as rows (times in the chain's zone, restaurants by name), the rest
    as labelled figures."""
    evidence = dict(flag.evidence)
    # "checks" is the list of checks of the per-guest rules, and a count in the cashier-share rule's figures.
    checks = evidence.pop("checks") if isinstance(evidence.get("checks"), list) else []
    evidence.pop("entry_ids", None)
    names = dict(Restaurant.objects.values_list("id", "name"))
    rows = [
        {**check, "at": _when(check.get("at")), "restaurant": names.get(check.get("restaurant_id"), "—")}
        for check in checks
    ]
    figures = [(key.replace("_", " "), _when(value)) for key, value in evidence.items() if key != "guest_ids"]
    return {"check_rows": rows, "figures": figures, "guest_ids": evidence.get("guest_ids", [])}


@permission_required_page(Permission.REVIEW_FRAUD)
@require_GET
def flag_detail(request: StaffRequest, flag_id: int) -> HttpResponse:
    return _detail(request, access_flag(flag_id))


def _detail(request: StaffRequest, flag: FraudFlag, form: ReviewForm | None = None, status: int = 200) -> HttpResponse:
    entries = flag_entries(flag)
    done = reversed_entry_ids([entry.pk for entry in entries])
    return render(
        request,
        "fraud/flag_detail.html",
        {
            "flag": flag,
            "form": form or ReviewForm(),
            "entries": [{"entry": entry, "is_reversed": entry.pk in done} for entry in entries],
            "is_frozen": flag.guest_id is not None and is_points_frozen(flag.guest_id),
            **_evidence_context(flag),
        },
        status=status,
    )


def _act(request: StaffRequest, flag_id: int, action: str) -> HttpResponse:
    flag = access_flag(flag_id)
    entry_ids = [entry.pk for entry in flag_entries(flag)]
    form = ReviewForm(request.POST, entry_ids=entry_ids)
    if not form.is_valid():
        return _detail(request, flag, form, status=422)
    note = form.cleaned_data["note"]
    access = _access(request)
    try:
        if action == "dismiss":
            services.dismiss_flag(access=access, flag_id=flag.pk, note=note)
            messages.success(request, _("The flag was dismissed."))
        elif action == "freeze":
            services.freeze_flag_guest(access=access, flag_id=flag.pk, note=note)
            messages.success(request, _("The guest's points are frozen: spending is refused until you unfreeze them."))
        elif action == "unfreeze":
            services.unfreeze_flag_guest(access=access, flag_id=flag.pk, note=note)
            messages.success(request, _("The guest's points can be spent again."))
        else:
            reversals = services.reverse_flag_entries(
                access=access, flag_id=flag.pk, entry_ids=form.cleaned_data["entry_ids"], note=note
            )
            messages.success(request, _("Operations reversed: %(count)d.") % {"count": len(reversals)})
    except DomainError as error:
        form.add_error(None, str(error.message))
        return _detail(request, access_flag(flag_id), form, status=error.status)
    return redirect("fraud:flag-detail", flag_id=flag.pk)


@permission_required_page(Permission.REVIEW_FRAUD)
@require_POST
def flag_dismiss(request: StaffRequest, flag_id: int) -> HttpResponse:
    return _act(request, flag_id, "dismiss")


@permission_required_page(Permission.REVIEW_FRAUD)
@require_POST
def flag_freeze(request: StaffRequest, flag_id: int) -> HttpResponse:
    return _act(request, flag_id, "freeze")


@permission_required_page(Permission.REVIEW_FRAUD)
@require_POST
def flag_unfreeze(request: StaffRequest, flag_id: int) -> HttpResponse:
    return _act(request, flag_id, "unfreeze")


@permission_required_page(Permission.REVIEW_FRAUD)
@require_POST
def flag_reverse(request: StaffRequest, flag_id: int) -> HttpResponse:
    return _act(request, flag_id, "reverse")


@permission_required_page(Permission.REVIEW_FRAUD)
@require_http_methods(["GET", "POST"])
def fraud_settings_page(request: StaffRequest) -> HttpResponse:
    current = fraud_settings()
    form = FraudSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            services.update_fraud_settings(access=_access(request), **values)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The fraud rules' thresholds are saved."))
            return redirect("fraud:settings")
    return render(request, "fraud/settings.html", {"form": form}, status=422 if request.method == "POST" else 200)
