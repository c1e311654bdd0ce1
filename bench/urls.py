"""URLs of the app served during benchmarks, plus the trivial JSON view every benchmark compares against."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from guests.selectors import lookup_guest
from maxloyalty import urls as app_urls
from maxloyalty.errors import DomainError


def trivial_json(request: HttpRequest) -> JsonResponse:
    """The framework's ceiling: the full middleware stack (tenant routing included), no database work."""
    return JsonResponse({"ok": True})


def guest_lookup_json(request: HttpRequest) -> JsonResponse:
    """Routing plus one query in the chain's schema: the guest lookup by phone of the cashier page and the API."""
    try:
        guest = lookup_guest(access=None, phone=request.GET.get("phone", ""))
    except DomainError:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"found": True, "id": guest.pk})


urlpatterns = [
    path("bench/trivial", trivial_json, name="bench-trivial"),
    path("bench/guest-lookup", guest_lookup_json, name="bench-guest-lookup"),
    *app_urls.urlpatterns,
]

handler400 = app_urls.handler400
handler403 = app_urls.handler403
handler404 = app_urls.handler404
handler500 = app_urls.handler500
