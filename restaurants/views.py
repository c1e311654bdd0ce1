"""Restaurant pages of owners and admins: add, edit and delete a restaurant. The list and the detail page, which
show each restaurant's POS connections and failed checks, are the POS app's (pos.views.restaurants)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.roles import Permission
from maxloyalty.errors import DomainError, domain_errors_into
from restaurants.forms import RestaurantForm
from restaurants.models import Restaurant
from restaurants.selectors import visible_restaurants
from restaurants.services import create_restaurant, delete_restaurant, update_restaurant


def _access(request: HttpRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None
    return access


def _restaurant(access: ChainAccess, restaurant_id: int) -> Restaurant:
    return get_object_or_404(visible_restaurants(access), pk=restaurant_id)


@permission_required_page(Permission.MANAGE_RESTAURANTS)
@require_http_methods(["GET", "POST"])
def restaurant_edit(request: HttpRequest, restaurant_id: int | None = None) -> HttpResponse:
    access = _access(request)
    restaurant = _restaurant(access, restaurant_id) if restaurant_id else None
    initial = RestaurantForm.initial_for(restaurant) if restaurant else {"status": "active"}
    form = RestaurantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = None
        with domain_errors_into(form):
            if restaurant is None:
                saved = create_restaurant(actor=access.user, **form.restaurant_values())
            else:
                saved = update_restaurant(actor=access.user, restaurant=restaurant, changes=form.restaurant_values())
        if saved is not None:
            messages.success(request, _("Restaurant saved."))
            return redirect("restaurants:detail", restaurant_id=saved.pk)
    context = {"form": form, "restaurant": restaurant}
    return render(request, "restaurants/form.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_RESTAURANTS)
@require_http_methods(["GET", "POST"])
def restaurant_delete(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    access = _access(request)
    restaurant = _restaurant(access, restaurant_id)
    if request.method == "POST":
        try:
            delete_restaurant(actor=access.user, restaurant=restaurant)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("restaurants:detail", restaurant_id=restaurant.pk)
        messages.success(request, _("Restaurant deleted."))
        return redirect("restaurants:list")
    return render(request, "restaurants/confirm_delete.html", {"restaurant": restaurant})
