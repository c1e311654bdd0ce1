"""The API's Swagger UI page under the Content-Security-Policy: its start-up script is served as a script file
(drf-spectacular's split view: no inline script), and Swagger UI's bundle, stylesheet and icon come from the CDN
drf-spectacular loads them from (SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]), allowed on this page only."""

from __future__ import annotations

from typing import Any, ClassVar

from csp.decorators import csp_update
from django.http import HttpResponse
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request

SWAGGER_UI_ORIGIN = "https://cdn.jsdelivr.net"

swagger_ui = csp_update(
    {"script-src": [SWAGGER_UI_ORIGIN], "style-src": [SWAGGER_UI_ORIGIN], "img-src": [SWAGGER_UI_ORIGIN]}
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, generated and rendered (YAML or JSON) once per process, URL map, API version, language
    and format: it is made from the code alone (SERVE_PUBLIC: not filtered by the asker); generating it walks every
    view and serializer (about half a second), rendering it as YAML about 80 ms (bench/page_budget.py)."""

    _documents: ClassVar[dict[tuple[str, str, str], Any]] = {}
    _rendered: ClassVar[dict[tuple[str, str, str, str], bytes]] = {}

    def _get_schema_response(self, request: Request) -> HttpResponse:
        version = self.api_version or request.version or self._get_version_parameter(request)  # type: ignore[no-untyped-call]  # unannotated in drf-spectacular
        key = (str(self.urlconf), str(version), get_language() or "")
        if key not in self._documents:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._documents[key] = generator.get_schema(request=request, public=self.serve_public)  # type: ignore[no-untyped-call]  # unannotated in drf-spectacular
        renderer, media_type = request.accepted_renderer, str(request.accepted_media_type)
        rendered_key = (*key, media_type)
        if rendered_key not in self._rendered:
            context = {"request": request, "view": self}
            body = renderer.render(self._documents[key], media_type, context)
            self._rendered[rendered_key] = body.encode() if isinstance(body, str) else body
        charset = getattr(renderer, "charset", None)
        return HttpResponse(
            self._rendered[rendered_key],
            content_type=f"{media_type}; charset={charset}" if charset else media_type,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'  # type: ignore[no-untyped-call]  # unannotated in drf-spectacular
            },
        )
