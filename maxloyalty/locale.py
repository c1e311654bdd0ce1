"""Page language: the user's explicit choice (cookie), else their profile, else the chain's default, else Russian."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def language_for(request: HttpRequest) -> str:
    candidates = [
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        getattr(request.user, "language", None) if getattr(request, "user", None) else None,
        getattr(getattr(request, "tenant", None), "default_language", None),
    ]
    if request.path.startswith("/api/"):
        candidates.insert(
            0, translation.get_language_from_request(request) if "HTTP_ACCEPT_LANGUAGE" in request.META else None
        )
    return next((code for code in candidates if code in SUPPORTED), settings.LANGUAGE_CODE)


class ChainLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response
