"""The restaurants' POS pages: the list with POS connection health, the detail page with connections (secrets
shown once, rotation) and re-running receipts that failed (a connection's own page: pos.views.connections). Managers see their restaurants read-only. Adding,
editing and deleting a restaurant are the restaurants app's pages (restaurants.views)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.roles import Permission
from maxloyalty.encryption import decrypt_text, encrypt_text
from maxloyalty.errors import DomainError, domain_errors_into
from maxloyalty.keyset import InvalidCursor, cursor_parameter, keyset_page
from pos.forms import ConnectionForm
from pos.models import PosConnection, Receipt, ReceiptStatus
from pos.selectors import failed_receipts
from pos.services.connections import create_connection, rotate_signing_secret
from pos.services.receipts import rerun_receipt
from restaurants.models import Restaurant
from restaurants.selectors import visible_restaurants

FAILED_RECEIPTS_PER_PAGE = 50


def access_of(request: HttpRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None
    return access


def visible_restaurant(access: ChainAccess, restaurant_id: int) -> Restaurant:
    return get_object_or_404(visible_restaurants(access), pk=restaurant_id)


@permission_required_page(Permission.VIEW_DASHBOARD)
def restaurant_list(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    restaurants = list(
        visible_restaurants(access).prefetch_related(
            Prefetch("pos_connections", queryset=PosConnection.objects.order_by("id"))
        )
    )
    # Failed receipts per restaurant from the status index, not a join of every receipt of every restaurant.
    failed = dict(
        Receipt.objects.filter(status=ReceiptStatus.FAILED, restaurant__in=restaurants)
        .values_list("restaurant")
        .annotate(count=Count("id"))
        .order_by()
    )
    for restaurant in restaurants:
        restaurant.failed_receipts = failed.get(restaurant.pk, 0)  # type: ignore[attr-defined]  # for the template
    return render(request, "pos/restaurant_list.html", {"restaurants": restaurants})


@permission_required_page(Permission.VIEW_DASHBOARD)
def restaurant_detail(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    access = access_of(request)
    restaurant = visible_restaurant(access, restaurant_id)
    context = _detail_context(restaurant, ConnectionForm(), cursor=cursor_parameter(request.GET))
    if context["failed_receipts"].cursor_was_invalid:
        messages.warning(request, InvalidCursor.message)
    context["issued"] = take_issued_secrets(request, restaurant)
    return render(request, "pos/restaurant_detail.html", context)


def _detail_context(
    restaurant: Restaurant, connection_form: ConnectionForm, cursor: str | None = None
) -> dict[str, Any]:
    return {
        "restaurant": restaurant,
        "connections": restaurant.pos_connections.order_by("id"),
        "failed_receipts": keyset_page(
            failed_receipts(restaurant=restaurant),
            time_field="received_at",
            cursor=cursor,
            size=FAILED_RECEIPTS_PER_PAGE,
            lenient=True,
        ),
        "connection_form": connection_form,
    }


ISSUED_SECRETS = "issued_secrets"


def _keep_issued_secrets(
    request: HttpRequest,
    restaurant: Restaurant,
    connection_id: int,
    signing_secret: str | None,
    inbound_token: str | None,
) -> None:
    """Secrets shown once after the redirect: kept in the session encrypted, like the connection keeps them."""
    request.session[ISSUED_SECRETS] = {
        "restaurant_id": restaurant.pk,
        "connection_id": connection_id,
        "signing_secret": encrypt_text(signing_secret) if signing_secret else None,
        "inbound_token": encrypt_text(inbound_token) if inbound_token else None,
    }


def take_issued_secrets(
    request: HttpRequest, restaurant: Restaurant, connection_id: int | None = None
) -> dict[str, Any] | None:
    """The secrets just issued for the restaurant (for one of its connections when `connection_id` is given), once."""
    issued = request.session.get(ISSUED_SECRETS)
    if not isinstance(issued, dict) or issued.get("restaurant_id") != restaurant.pk:
        return None
    if connection_id is not None and issued.get("connection_id") != connection_id:
        return None
    del request.session[ISSUED_SECRETS]
    return {
        "connection_id": issued.get("connection_id"),
        "signing_secret": decrypt_text(issued["signing_secret"]) if issued.get("signing_secret") else None,
        "inbound_token": decrypt_text(issued["inbound_token"]) if issued.get("inbound_token") else None,
    }


@permission_required_page(Permission.MANAGE_POS)
@require_POST
def connection_create(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    access = access_of(request)
    restaurant = visible_restaurant(access, restaurant_id)
    form = ConnectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        created = None
        with domain_errors_into(form):
            created = create_connection(
                actor=access.user,
                restaurant=restaurant,
                kind=data["kind"],
                name=data["name"],
                external_organization_id=data["external_organization_id"],
                external_terminal_id=data["external_terminal_id"],
                external_restaurant_code=data["external_restaurant_code"],
                api_base_url=data["api_base_url"],
                credentials=form.credentials(),
                poll_interval_minutes=data["poll_interval_minutes"],
            )
        if created is not None:
            connection, issued = created
            _keep_issued_secrets(request, restaurant, connection.pk, issued.signing_secret, issued.inbound_token)
            messages.success(request, _("Connection added. Copy the secret now: it is shown only once."))
            return redirect("restaurants:connection-detail", restaurant_id=restaurant.pk, connection_id=connection.pk)
    return render(request, "pos/restaurant_detail.html", _detail_context(restaurant, form), status=422)


@permission_required_page(Permission.MANAGE_POS)
@require_POST
def connection_rotate_secret(request: HttpRequest, restaurant_id: int, connection_id: int) -> HttpResponse:
    access = access_of(request)
    restaurant = visible_restaurant(access, restaurant_id)
    connection = get_object_or_404(PosConnection, pk=connection_id, restaurant=restaurant)
    connection, secret = rotate_signing_secret(actor=access.user, pos_connection=connection)
    _keep_issued_secrets(request, restaurant, connection.pk, secret, None)
    messages.success(request, _("New signing secret issued; the old one keeps working for a grace period."))
    if request.POST.get("next") == "connection":
        return redirect("restaurants:connection-detail", restaurant_id=restaurant.pk, connection_id=connection.pk)
    return redirect("restaurants:detail", restaurant_id=restaurant.pk)


@permission_required_page(Permission.MANAGE_POS)
@require_POST
def receipt_rerun(request: HttpRequest, restaurant_id: int, receipt_id: int) -> HttpResponse:
    access = access_of(request)
    restaurant = visible_restaurant(access, restaurant_id)
    receipt = get_object_or_404(Receipt, pk=receipt_id, restaurant=restaurant)
    try:
        rerun_receipt(receipt=receipt, actor=access.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The check is queued for processing again."))
    return redirect("restaurants:detail", restaurant_id=restaurant.pk)
