"""The receipt claims' staff pages (/receipt-claims/): the list with filters, a claim with its evidence (the QR's
fields, the receipts it may be for) and the staff's actions, match to a chosen receipt and reject with a reason, both
through pos.services.claims (the same accrual as automatic matching). Who sees which claim is
pos.selectors.visible_claims' rule (owners and admins every one; managers those matched in their restaurants and the
waiting ones of their restaurants' guests; cashiers none)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from maxloyalty.errors import DomainError
from maxloyalty.form_refusals import add_refusal
from maxloyalty.whole_numbers import whole_number
from pos.claim_forms import ClaimFilterForm, ClaimMatchForm, ClaimRejectForm
from pos.models import ReceiptClaim
from pos.selectors import access_claim, claim_review, claim_visit_days, receipt_claim_list
from pos.services.claims import match_claim_to_receipt, reject_claim
from restaurants.selectors import visible_restaurants

PAGE_SIZE = 50


def _access(request: StaffRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # permission_required_page refused non-members already
    return access


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_GET
def claim_list(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    restaurants = list(visible_restaurants(access).values_list("id", "name"))
    filters = ClaimFilterForm(request.GET or None, restaurants=restaurants)
    values: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    page = max(whole_number(request.GET.get("page"), default=1, maximum=9_999), 1)
    receipt_from, receipt_until = claim_visit_days(values.get("date_from"), values.get("date_to"))
    claims = list(
        receipt_claim_list(
            access=access,
            status=values.get("status", ""),
            restaurant_id=values.get("restaurant"),
            receipt_from=receipt_from,
            receipt_until=receipt_until,
        )[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pos/claim_list.html",
        {
            "filters": filters,
            "claims": claims[:PAGE_SIZE],
            "page": page,
            "has_next": len(claims) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_GET
def claim_detail(request: StaffRequest, claim_id: int) -> HttpResponse:
    return _detail(request, access_claim(access=_access(request), claim_id=claim_id))


def _detail(
    request: StaffRequest,
    claim: ReceiptClaim,
    *,
    match_form: forms.Form | None = None,
    reject_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    review = claim_review(access=_access(request), claim=claim)
    return render(
        request,
        "pos/claim_detail.html",
        {
            "claim": claim,
            "receipt": review.receipt,
            "candidates": review.candidates,
            "can_match": review.can_match,
            "can_reject": review.can_reject,
            "match_form": match_form or ClaimMatchForm(),
            "reject_form": reject_form or ClaimRejectForm(),
        },
        status=status,
    )


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_POST
def claim_match(request: StaffRequest, claim_id: int) -> HttpResponse:
    access = _access(request)
    claim = access_claim(access=access, claim_id=claim_id)
    form = ClaimMatchForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, match_form=form, status=422)
    try:
        matched = match_claim_to_receipt(
            access=access,
            claim_id=claim.pk,
            receipt_id=form.cleaned_data["receipt_id"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        add_refusal(form, error)
        return _detail(request, access_claim(access=access, claim_id=claim_id), match_form=form, status=error.status)
    messages.success(request, _("The claim is matched: %(points)d points accrued.") % {"points": matched.points_earned})
    return redirect("receipt-claims:claim-detail", claim_id=claim.pk)


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_POST
def claim_reject(request: StaffRequest, claim_id: int) -> HttpResponse:
    access = _access(request)
    claim = access_claim(access=access, claim_id=claim_id)
    form = ClaimRejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, reject_form=form, status=422)
    try:
        reject_claim(access=access, claim_id=claim.pk, reason=form.cleaned_data["reason"])
    except DomainError as error:
        add_refusal(form, error)
        return _detail(request, access_claim(access=access, claim_id=claim_id), reject_form=form, status=error.status)
    messages.success(request, _("The claim is rejected; the guest is told the reason."))
    return redirect("receipt-claims:claim-detail", claim_id=claim.pk)
