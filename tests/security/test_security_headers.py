"""Security headers: a strict Content-Security-Policy on every page (no inline script, no framing), the Telegram
Mini App framable by Telegram's web client and nothing else, HSTS for a year with subdomains in production, and a
client's X-Forwarded-Proto believed only when a trusted proxy is configured to set it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from maxloyalty.settings.base import trusted_proxy_ssl_header
from tests.fixtures import client_on, signed_in_client

ROOT = Path(__file__).resolve().parent.parent.parent
TELEGRAM_ORIGINS = {"https://web.telegram.org", "https://*.telegram.org"}


def policy(response) -> dict[str, set[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: set(sources) for name, *sources in directives}


def test_pages_carry_a_policy_without_inline_script_or_framing(alpha, platform_host):
    for response in (
        client_on(alpha.host).get("/accounts/login/"),
        signed_in_client(alpha, "cashier").get("/cashier/"),
        client_on(platform_host).get("/"),
    ):
        assert response.status_code == 200
        csp = policy(response)
        assert csp["default-src"] == {"'self'"}
        assert csp["script-src"] == {"'self'"}  # no 'unsafe-inline', no 'unsafe-eval'
        assert csp["style-src"] == {"'self'"}
        assert csp["img-src"] == {"'self'", "data:"}
        assert csp["connect-src"] == {"'self'"}
        assert csp["frame-ancestors"] == {"'none'"}
        assert response["X-Frame-Options"] == "DENY"


def test_mini_app_may_be_framed_by_telegram_web_and_nothing_else(alpha):
    response = client_on(alpha.host).get("/telegram/app/")

    assert response.status_code == 200
    csp = policy(response)
    assert csp["frame-ancestors"] == TELEGRAM_ORIGINS
    assert csp["script-src"] == {"'self'"} and csp["connect-src"] == {"'self'"}
    assert "X-Frame-Options" not in response  # it would forbid Telegram's frame; frame-ancestors rules instead


def test_the_api_docs_page_loads_swagger_ui_without_inline_script(alpha):
    page = client_on(alpha.host).get("/api/docs/")
    script = client_on(alpha.host).get("/api/docs/?script=")

    assert page.status_code == 200 and script.status_code == 200
    assert b"<script>" not in page.content  # the start-up script is a file of its own
    assert "SwaggerUIBundle" in script.content.decode()
    csp = policy(page)
    assert csp["script-src"] == {"'self'", "https://cdn.jsdelivr.net"}
    assert csp["frame-ancestors"] == {"'none'"}


def test_json_and_error_pages_carry_the_policy_too(alpha):
    for response in (client_on(alpha.host).get("/no-such-page/"), client_on(alpha.host).get("/api/v1/no-such/")):
        assert response.status_code == 404
        assert policy(response)["frame-ancestors"] == {"'none'"}


# --- production: HSTS and the proxy's HTTPS header -------------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-grade-secret-value-123",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "ALLOWED_HOSTS": "maxloyalty.example,.maxloyalty.example",
    "PLATFORM_DOMAIN": "maxloyalty.example",
    "FIELD_ENCRYPTION_KEYS": "bXF4bG95YWx0eS10ZXN0LWtleS0wMDAwMDAwMDAwMDA=",
}
PRINTED = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT"]


def production_settings(**environment: str) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TRUSTED_PROXY_SSL_HEADER"}}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="maxloyalty.settings.prod", **environment)
    program = f"import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {PRINTED!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production_without_proxy() -> dict[str, object]:
    return production_settings()


@pytest.fixture(scope="module")
def production_behind_proxy() -> dict[str, object]:
    return production_settings(TRUSTED_PROXY_SSL_HEADER="X-Forwarded-Proto")


def test_production_sends_hsts_for_a_year_with_subdomains(production_without_proxy):
    assert production_without_proxy["SECURE_HSTS_SECONDS"] == 31536000
    assert production_without_proxy["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_without_proxy["SECURE_SSL_REDIRECT"] is True


def test_production_trusts_no_proxy_header_unless_configured(production_without_proxy, production_behind_proxy):
    assert production_without_proxy["SECURE_PROXY_SSL_HEADER"] is None
    assert production_behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_client_claiming_https_is_not_believed_without_a_trusted_proxy(alpha, production_without_proxy):
    with override_settings(**{name: production_without_proxy[name] for name in PRINTED}):
        response = client_on(alpha.host).get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301  # still plain HTTP to us: sent to HTTPS
    assert response["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in response


def test_behind_the_trusted_proxy_https_requests_get_hsts(alpha, production_behind_proxy):
    configured = {name: production_behind_proxy[name] for name in PRINTED}
    configured["SECURE_PROXY_SSL_HEADER"] = tuple(configured["SECURE_PROXY_SSL_HEADER"])
    with override_settings(**configured):
        response = client_on(alpha.host).get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("value", ["X-Forwarded-Proto: https", "X_Forwarded_Proto", "X-Forwarded Proto"])
def test_a_malformed_proxy_header_name_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_SSL_HEADER"):
        trusted_proxy_ssl_header(value)
