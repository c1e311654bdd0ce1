"""URLs of the app served during benchmarks, plus the trivial JSON view every benchmark compares against."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from maxloyalty import urls as app_urls


def trivial_json(request: HttpRequest) -> JsonResponse:
    """The framework's ceiling: the full middleware stack (tenant routing included), no database work."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial", trivial_json, name="bench-trivial"), *app_urls.urlpatterns]

handler400 = app_urls.handler400
handler403 = app_urls.handler403
handler404 = app_urls.handler404
handler500 = app_urls.handler500
