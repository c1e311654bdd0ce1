"""The cashier page (the till). The full flow arrives with the POS issue; this is its entry point."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import access_for, permission_required_page
from accounts.roles import Permission
from pos.models import Restaurant


@permission_required_page(Permission.USE_CASHIER_PAGE)
def cashier_home(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    restaurants = access.limit_to_restaurants(Restaurant.objects.all(), field="id")
    return render(request, "pos/cashier.html", {"restaurants": restaurants})
