"""The chain API fuzzed from its own OpenAPI schema (schemathesis) as owner, manager and cashier: whatever the input,
no server error, and every error answer in the uniform {"error": {"code", "message", "fields"}} body.

Bounded (a few examples per operation, no deadline) so the module takes a couple of minutes. The requests go through
Django's WSGI handler in this thread: each one runs in a savepoint that is rolled back, so examples do not pile up
data, and a database error in one example cannot spoil the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection, transaction
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.models import Role
from accounts.tokens import refresh_token_for
from tests.fixtures import ChainWorld

ROLES = (Role.OWNER, Role.MANAGER, Role.CASHIER)
EXAMPLES_PER_OPERATION = 10  # about 2,100 requests: two to three minutes of CPU with the test database set up


def _published_schema() -> dict[str, Any]:
    """The OpenAPI document /api/schema/ serves on a chain's host (same generator and URL conf), made at collection
    time: schemathesis 4.32's fixture-based loader does not run under pytest 9."""
    generator = SchemaGenerator(urlconf="maxloyalty.urls")
    with GENERATOR_STATS.silence():  # its warnings about views it cannot describe belong to the schema's own test
        document = generator.get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = WSGIHandler()


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Django closes a connection whose autocommit differs from its settings at each request's start and end; the
    test transaction is exactly that, so (as Django's own test client does) those two signals are held off."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearers(alpha: ChainWorld) -> dict[str, str]:
    return {role: str(refresh_token_for(alpha.user(role), alpha.chain.id).access_token) for role in ROLES}


def uniform_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx answer of the API is {"error": {"code": str, "message": str, "fields": dict}}."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError as error:
        raise AssertionError(f"{response.status_code} answer is not JSON: {response.text[:200]!r}") from error
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{response.status_code} answer without an 'error' object: {body!r:.300}"
    assert isinstance(error.get("code"), str) and error["code"], f"no error code: {body!r:.300}"
    assert isinstance(error.get("message"), str), f"no error message: {body!r:.300}"
    assert isinstance(error.get("fields"), dict), f"no error fields: {body!r:.300}"
    return True


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_any_input_without_server_error_and_in_the_uniform_format(
    case, alpha, bearers, in_test_transaction
):
    if isinstance(case.body, dict):
        # A POS connection's credentials are encrypted, and tests/log_secrets.py then counts every such plaintext
        # as a secret; with derandomized examples the same generated text comes back as another operation's query
        # string, which django.request logs, and the secrets check would fail on the fuzzer's own words.
        case.body.pop("credentials", None)
    for role in ROLES:
        with transaction.atomic():
            response = case.call(
                base_url=f"http://{alpha.host}",
                headers={"Authorization": f"Bearer {bearers[role]}", "Host": alpha.host},
            )
            transaction.set_rollback(True)
        connection.set_schema_to_public()
        case.validate_response(response, checks=[not_a_server_error, uniform_error_body])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unknown_api_path_answers_the_json_404_to_a_client_without_csrf_cookie(alpha, method):
    # Found by the fuzzer: a write to an unknown API path got Django's HTML CSRF page (403), not the JSON 404.
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.generic(method, "/api/v1/guests/not-an-id", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
