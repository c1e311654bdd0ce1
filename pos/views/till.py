"""The cashier page (the till): find a guest, quote and apply a check, register a guest, undo, this shift's list.

Server-rendered; htmx swaps the parts (pos/_*.html) so a cheap tablet and a barcode scanner (types + Enter) work.
Every endpoint also answers a plain browser with the whole page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from guests.errors import DuplicateGuest
from guests.masking import mask_contact
from guests.models import Guest, GuestSource
from guests.selectors import access_guest
from guests.services import create_guest
from loyalty import rules
from loyalty.selectors import guest_balance
from loyalty.services import apply_check, quote_for_guest
from maxloyalty.errors import DomainError, add_domain_error
from pos import till
from pos.forms import CheckForm, NewGuestForm
from restaurants.models import Restaurant


def _till(request: StaffRequest) -> tuple[ChainAccess, Restaurant | None]:
    access = access_for(request)
    assert access is not None
    return access, till.current_restaurant(request, access)


def _guest_context(access: ChainAccess, restaurant: Restaurant, guest: Guest, **extra: Any) -> dict[str, Any]:
    balance = guest_balance(guest=guest)
    form = extra.pop("form", None) or CheckForm(
        initial={"operation_key": till.new_operation_key(restaurant=restaurant, access=access), "points_to_spend": 0}
    )
    return {
        "guest": guest,
        "balance": balance,
        "masked_phone": mask_contact(guest.phone, kind="phone", access=access),
        "check_form": form,
        **extra,
    }


def _page(
    request: StaffRequest,
    access: ChainAccess,
    restaurant: Restaurant | None,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The htmx partial for htmx requests; the whole till page (with that part in it) otherwise."""
    if restaurant is not None:
        context.setdefault("shift", _shift_rows(access, restaurant))
    if request.htmx:
        return render(request, partial, context, status=status)
    full = {
        "restaurant": restaurant,
        "restaurants": till.till_restaurants(access),
        "part": partial,
        "new_guest_form": NewGuestForm(),
        **context,
    }
    return render(request, "pos/cashier.html", full, status=status)


def _shift_rows(access: ChainAccess, restaurant: Restaurant) -> list[dict[str, Any]]:
    return [
        {"check": check, "can_undo": till.can_undo(access=access, applied=check)}
        for check in till.shift_operations(access=access, restaurant=restaurant)
    ]


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_GET
def cashier_home(request: StaffRequest) -> HttpResponse:
    access, restaurant = _till(request)
    return _page(request, access, restaurant, "pos/_welcome.html", {"show_tip": till.till_tip_is_due(access=access)})


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_POST
def dismiss_tip(request: StaffRequest) -> HttpResponse:
    """Close the first-shift tip for good (htmx: swaps it for nothing; a plain form: back to the till)."""
    access = access_for(request)
    assert access is not None
    till.dismiss_till_tip(access=access)
    if request.htmx:
        return HttpResponse("")
    return redirect("pos:cashier")


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_POST
def choose_restaurant(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    chosen = till.till_restaurants(access).filter(pk=request.POST.get("restaurant") or 0).first()
    if chosen is None:
        messages.error(request, _("Choose one of your restaurants."))
    else:
        request.session[till.SESSION_RESTAURANT] = chosen.pk
    return redirect("pos:cashier")


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_GET
def find_guest(request: StaffRequest) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    query = request.GET.get("q", "")
    found = till.find_at_till(access=access, text=query)
    if found.guest is not None:
        return _page(request, access, restaurant, "pos/_guest.html", _guest_context(access, restaurant, found.guest))
    if found.matches:
        rows = [
            {"guest": guest, "masked_phone": mask_contact(guest.phone, kind="phone", access=access)}
            for guest in found.matches
        ]
        return _page(request, access, restaurant, "pos/_matches.html", {"matches": rows, "query": query})
    form = NewGuestForm(initial={"phone": found.phone_to_register})
    return _page(request, access, restaurant, "pos/_not_found.html", {"query": query, "new_guest_form": form})


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_GET
def guest_panel(request: StaffRequest, guest_id: int) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    guest = access_guest(access=access, guest_id=guest_id)
    return _page(request, access, restaurant, "pos/_guest.html", _guest_context(access, restaurant, guest))


def _check_from(form: CheckForm, restaurant: Restaurant, currency: str) -> rules.Check:
    data = form.cleaned_data
    return rules.Check(
        total_amount=data["amount"],
        currency=currency,
        points_to_spend=data["points_to_spend"] or 0,
        restaurant_id=restaurant.pk,
        promo_code=data["promo_code"] or "",
    )


@permission_required_page(Permission.ACCRUE_POINTS)
@require_POST
def quote(request: StaffRequest, guest_id: int) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    guest = access_guest(access=access, guest_id=guest_id)
    form = CheckForm(request.POST)
    context = _guest_context(access, restaurant, guest, form=form)
    if form.is_valid():
        check = _check_from(form, restaurant, request.tenant.currency)
        quoted, _code, code_refusal = quote_for_guest(guest=guest, check=check)
        context["quote"] = quoted
        context["code_refusal"] = code_refusal
    return _page(request, access, restaurant, "pos/_guest.html", context, status=200 if form.is_valid() else 422)


@permission_required_page(Permission.ACCRUE_POINTS)
@require_POST
def apply(request: StaffRequest, guest_id: int) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    guest = access_guest(access=access, guest_id=guest_id)
    form = CheckForm(request.POST)
    if form.is_valid() and not till.is_till_key_of(
        form.cleaned_data["operation_key"], restaurant=restaurant, access=access
    ):
        form.add_error(None, _("This form has expired. Find the guest again."))
    if not form.is_valid():
        return _page(
            request,
            access,
            restaurant,
            "pos/_guest.html",
            _guest_context(access, restaurant, guest, form=form),
            status=422,
        )
    check = _check_from(form, restaurant, request.tenant.currency)
    try:  # the service decides what this cashier may do (spending points: loyalty.rights.require_redeem_right)
        outcome = apply_check(
            guest=guest,
            check=check,
            restaurant=restaurant,
            idempotency_key=form.cleaned_data["operation_key"],
            actor=access.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _page(
            request,
            access,
            restaurant,
            "pos/_guest.html",
            _guest_context(access, restaurant, guest, form=form),
            status=error.status,
        )
    guest.refresh_from_db()
    return _page(
        request, access, restaurant, "pos/_guest.html", _guest_context(access, restaurant, guest, outcome=outcome)
    )


@permission_required_page(Permission.CREATE_GUEST)
@require_POST
def register_guest(request: StaffRequest) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    form = NewGuestForm(request.POST)
    guest = None
    if form.is_valid():
        data = form.cleaned_data
        consent = data["marketing_consent"]
        try:
            guest = create_guest(
                access=access,
                phone=data["phone"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                home_restaurant_id=restaurant.pk,
                source=GuestSource.CASHIER,
                consents={"sms": consent, "email": consent, "telegram": consent},
            )
        except DuplicateGuest as error:  # a double submit, or the guest already exists: open them
            guest = access_guest(access=access, guest_id=int(error.details["existing_guest_id"]))  # type: ignore[call-overload]  # an id
        except DomainError as error:
            add_domain_error(form, error)
    if guest is None:
        return _page(
            request, access, restaurant, "pos/_not_found.html", {"new_guest_form": form, "query": ""}, status=422
        )
    return _page(
        request, access, restaurant, "pos/_guest.html", _guest_context(access, restaurant, guest, registered=True)
    )


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_POST
def undo(request: StaffRequest, applied_check_id: int) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    context: dict[str, Any] = {}
    try:
        till.undo_at_till(access=access, restaurant=restaurant, applied_check_id=applied_check_id)
        context["undo_message"] = _("Operation undone: points returned to their place.")
    except DomainError as error:
        context["undo_error"] = str(error.message)
    return _page(
        request, access, restaurant, "pos/_shift.html", context, status=200 if "undo_message" in context else 409
    )


@permission_required_page(Permission.USE_CASHIER_PAGE)
@require_GET
def shift(request: StaffRequest) -> HttpResponse:
    access, restaurant = _till(request)
    if restaurant is None:
        return redirect("pos:cashier")
    return _page(request, access, restaurant, "pos/_shift.html", {})
