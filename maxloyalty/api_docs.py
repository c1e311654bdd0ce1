"""The API's Swagger UI page under the Content-Security-Policy: its start-up script is served as a script file
(drf-spectacular's split view: no inline script), and Swagger UI's bundle, stylesheet and icon come from the CDN
drf-spectacular loads them from (SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]), allowed on this page only."""

from __future__ import annotations

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

SWAGGER_UI_ORIGIN = "https://cdn.jsdelivr.net"

swagger_ui = csp_update(
    {"script-src": [SWAGGER_UI_ORIGIN], "style-src": [SWAGGER_UI_ORIGIN], "img-src": [SWAGGER_UI_ORIGIN]}
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))
