"""Request bodies: over API_MAX_BODY_BYTES is 413, unparsable or too deeply nested JSON is 400, a non-ASCII
signature is 401: in the uniform error format, never 500, with nothing stored; through the DRF API, the webhook
view, and a real gunicorn where the WSGI intake answers first."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django_tenants.utils import schema_context

from accounts.tokens import refresh_token_for
from pos.models import Receipt
from pos.services import create_connection
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header_for
from restaurants.models import Restaurant
from tests.fixtures import api_on
from tests.process_harness import sample_check, signed_request
from tests.security.conftest import served_chain

DEEP = b"[" * 100_000 + b"]" * 100_000


def _owner_api(world):
    client = api_on(world.host)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {refresh_token_for(world.user('owner'), world.chain.id).access_token}"
    )
    return client


def _post_restaurant(world, body: bytes):
    return _owner_api(world).generic("POST", "/api/v1/restaurants", body, content_type="application/json")


def _error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- the DRF API ---------------------------------------------------------------------------------------------


def test_an_api_body_over_the_limit_is_413_and_nothing_is_created(alpha, settings):
    settings.API_MAX_BODY_BYTES = 2000
    before = Restaurant.objects.count()
    response = _post_restaurant(alpha, json.dumps({"name": "x" * 3000}).encode())
    assert _error(response) == (413, "payload_too_large")
    assert response.json()["error"]["max_bytes"] == 2000
    assert Restaurant.objects.count() == before


def test_an_api_body_within_the_limit_is_accepted(alpha, settings):
    settings.API_MAX_BODY_BYTES = 2000
    response = _post_restaurant(alpha, json.dumps({"name": "Within the limit"}).encode())
    assert response.status_code == 201
    assert Restaurant.objects.filter(name="Within the limit").exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": ' + DEEP + b"}",  # deep enough for Python's parser to raise RecursionError
        b'{"name": "a", "x": ' + b"[" * 40 + b"]" * 40 + b"}",  # deeper than API_MAX_JSON_DEPTH
        b'{"name": "a"',
        b'{"name": NaN}',
        b'{"name": "\xff\xfe"}',
    ],
    ids=["recursion", "too-deep", "truncated", "nan", "not-utf8"],
)
def test_unparsable_or_too_deep_json_is_400_malformed_json(alpha, body):
    before = Restaurant.objects.count()
    response = _post_restaurant(alpha, body)
    assert _error(response) == (400, "malformed_json")
    assert Restaurant.objects.count() == before


def test_json_nested_within_the_limit_is_read(alpha):
    nested = {"mon": [[{"from": "10:00", "to": "22:00"}]]}
    response = _post_restaurant(alpha, json.dumps({"name": "Nested", "opening_hours": nested}).encode())
    assert response.status_code == 201


# --- the webhook view (Django) ----------------------------------------------------------------------------------


@pytest.fixture
def webhook(alpha):
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till"
    )
    return pos_connection, issued.signing_secret, api_on(alpha.host)


def _signed_post(webhook, body: bytes, **headers):
    pos_connection, secret, client = webhook
    stamp = str(int(time.time()))
    signed = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(secret, stamp, body), **headers}
    return client.post(
        f"/api/v1/pos/webhooks/{pos_connection.pk}", data=body, content_type="application/json", headers=signed
    )


def test_a_webhook_body_over_the_limit_is_413(webhook, settings):
    settings.API_MAX_BODY_BYTES = 4096
    body = json.dumps({**sample_check("BIG-1", phone=None), "note": "x" * 5000}).encode()
    assert _error(_signed_post(webhook, body)) == (413, "payload_too_large")
    assert not Receipt.objects.exists()


def test_a_signed_deeply_nested_webhook_is_400(webhook):
    body = b'{"external_id": ' + DEEP + b"}"
    assert _error(_signed_post(webhook, body)) == (400, "malformed_json")
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("signature", ["v1=é", "v1=" + "é" * 64, "v1=\u0661\u0662"])
def test_a_non_ascii_signature_is_401(webhook, signature):
    body = json.dumps(sample_check("UNI-1", phone=None)).encode()
    response = _signed_post(webhook, body, **{SIGNATURE_HEADER: signature})
    assert response.status_code == 401
    assert not Receipt.objects.exists()


def test_a_non_ascii_timestamp_is_401(webhook):
    body = json.dumps(sample_check("UNI-2", phone=None)).encode()
    assert _error(_signed_post(webhook, body, **{TIMESTAMP_HEADER: "١٧٠٠٠٠٠٠٠٠"})) == (401, "timestamp_invalid")


def test_a_correctly_signed_webhook_is_still_acknowledged(webhook):
    body = json.dumps(sample_check("OK-1", phone=None)).encode()
    assert _signed_post(webhook, body).status_code == 202
    assert Receipt.objects.filter(external_id="OK-1").exists()


# --- through gunicorn and the WSGI intake -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker):
    yield from served_chain("bodies", django_db_blocker, API_MAX_BODY_BYTES="4096")


def _receipts(served, django_db_blocker) -> list[str]:
    with django_db_blocker.unblock(), schema_context(served.chain.schema_name):
        return list(Receipt.objects.values_list("external_id", flat=True))


def _send(served, body: bytes, headers: dict) -> httpx.Response:
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        return client.post(
            f"/api/v1/pos/webhooks/{served.chain.connection_id}",
            content=body,
            headers={**headers, "Host": served.chain.host, "Content-Type": "application/json"},
        )


@pytest.mark.processes
def test_through_gunicorn_a_large_body_is_413_deep_json_400_and_a_non_ascii_signature_401(served, django_db_blocker):
    large, large_headers = signed_request(
        served.chain.secret, {**sample_check("G-BIG", phone=None), "note": "x" * 5000}
    )
    response = _send(served, large, large_headers)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "payload_too_large")

    deep = b'{"external_id": ' + b"[" * 1900 + b"]" * 1900 + b"}"  # under the 4 KiB limit, too deep to parse
    stamp = str(int(time.time()))
    deep_headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(served.chain.secret, stamp, deep)}
    response = _send(served, deep, deep_headers)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_json")

    body, headers = signed_request(served.chain.secret, sample_check("G-UNI", phone=None))
    headers[SIGNATURE_HEADER] = b"v1=" + "é".encode("latin-1") * 64  # type: ignore[assignment]
    response = _send(served, body, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"].startswith("signature_")

    assert _receipts(served, django_db_blocker) == []


@pytest.mark.processes
def test_through_gunicorn_a_correctly_signed_webhook_is_acknowledged(served, django_db_blocker):
    body, headers = signed_request(served.chain.secret, sample_check("G-OK", phone=None))
    response = _send(served, body, headers)
    assert response.status_code == 202
    assert "G-OK" in _receipts(served, django_db_blocker)
