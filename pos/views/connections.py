"""A POS connection's own page: its webhook address with copy-paste examples (the secret shown once, right after it
is issued), "Send a test check", a live view of its last checks (an htmx partial polled every few seconds) and, for
iiko, "Test the credentials"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import permission_required_page
from accounts.roles import Permission
from maxloyalty.errors import DomainError
from pos.models import PosConnection, PosKind
from pos.selectors import latest_receipts
from pos.services.connection_checks import check_iiko_credentials, send_test_check
from pos.views.restaurants import access_of, take_issued_secrets, visible_restaurant
from pos.webhook_examples import webhook_examples
from restaurants.models import Restaurant


def _connection(request: HttpRequest, restaurant_id: int, connection_id: int) -> tuple[Restaurant, PosConnection]:
    restaurant = visible_restaurant(access_of(request), restaurant_id)
    return restaurant, get_object_or_404(PosConnection, pk=connection_id, restaurant=restaurant)


def _webhook_url(request: HttpRequest, pos_connection: PosConnection) -> str:
    if pos_connection.kind == PosKind.IIKO:
        return request.build_absolute_uri(f"/api/v1/pos/iiko/{pos_connection.pk}/webhook")
    return request.build_absolute_uri(f"/api/v1/pos/webhooks/{pos_connection.pk}")


def _page(request: HttpRequest, restaurant: Restaurant, pos_connection: PosConnection, **extra: Any) -> HttpResponse:
    issued = take_issued_secrets(request, restaurant, pos_connection.pk)
    signed_url = request.build_absolute_uri(f"/api/v1/pos/webhooks/{pos_connection.pk}")
    context = {
        "restaurant": restaurant,
        "connection": pos_connection,
        "webhook_url": _webhook_url(request, pos_connection),
        "issued": issued,
        "examples": webhook_examples(url=signed_url, signing_secret=(issued or {}).get("signing_secret")),
        "receipts": latest_receipts(pos_connection),
        **extra,
    }
    return render(request, "pos/connection_detail.html", context)


@permission_required_page(Permission.VIEW_DASHBOARD)
def connection_detail(request: HttpRequest, restaurant_id: int, connection_id: int) -> HttpResponse:
    restaurant, pos_connection = _connection(request, restaurant_id, connection_id)
    return _page(request, restaurant, pos_connection)


@permission_required_page(Permission.VIEW_DASHBOARD)
def connection_receipts(request: HttpRequest, restaurant_id: int, connection_id: int) -> HttpResponse:
    """The live view's partial: the connection's last checks, polled by htmx."""
    restaurant, pos_connection = _connection(request, restaurant_id, connection_id)
    context = {
        "restaurant": restaurant,
        "connection": pos_connection,
        "receipts": latest_receipts(pos_connection),
    }
    return render(request, "pos/_connection_receipts.html", context)


@permission_required_page(Permission.MANAGE_POS)
@require_POST
def connection_test_check(request: HttpRequest, restaurant_id: int, connection_id: int) -> HttpResponse:
    restaurant, pos_connection = _connection(request, restaurant_id, connection_id)
    try:
        send_test_check(actor=access_of(request).user, pos_connection=pos_connection)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Test check sent and accepted by the webhook: its points appear below within seconds.")
        )
    url = reverse(
        "restaurants:connection-detail", kwargs={"restaurant_id": restaurant.pk, "connection_id": connection_id}
    )
    return redirect(f"{url}#checks")


@permission_required_page(Permission.MANAGE_POS)
@require_POST
def connection_iiko_credentials(request: HttpRequest, restaurant_id: int, connection_id: int) -> HttpResponse:
    restaurant, pos_connection = _connection(request, restaurant_id, connection_id)
    return _page(
        request, restaurant, pos_connection, credentials_answer=check_iiko_credentials(pos_connection=pos_connection)
    )
