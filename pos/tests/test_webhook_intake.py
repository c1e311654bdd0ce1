"""The WSGI intake in front of Django acknowledges plain signed checks itself and answers everything else exactly as
the API view does (by handing it to Django): the same statuses, bodies and rejected-attempt log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import schema_context

from pos.models import ConnectionStatus, Receipt, ReceiptStatus, RejectedAttempt
from pos.services import update_connection
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header_for
from pos.tests.conftest import SignedWebhook, check_payload, wsgi_environ
from pos.webhook_intake import WebhookIntake


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    by_django: bool

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingDjango:
    """Django's own WSGI handler, noting whether the intake handed it the request."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.handler(environ, start_response)


@contextmanager
def _test_transaction_kept() -> Iterator[None]:
    """As Django's test client does: requests must not close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def send(
    webhook: SignedWebhook,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    path: str | None = None,
    host: str | None = None,
    method: str = "POST",
    scheme: str = "http",
    intake: WebhookIntake | None = None,
) -> Answer:
    django = RecordingDjango()
    if intake is None:
        intake = WebhookIntake(django)
    else:
        intake.app = django
    stamp = str(int(time.time()))
    sent = (
        headers
        if headers is not None
        else {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(webhook.secret, stamp, body)}
    )
    environ = wsgi_environ(
        method=method,
        path=path or webhook.url,
        host=host or webhook.connection_host,
        body=body,
        headers=sent,
        scheme=scheme,
    )
    started: list[Any] = []
    with _test_transaction_kept():
        chunks = intake(
            environ, lambda status, response_headers, exc_info=None: started.append((status, response_headers))
        )
        payload = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    status, response_headers = started[0]
    return Answer(int(status.split()[0]), dict(response_headers), payload, by_django=django.calls > 0)


@pytest.fixture
def hooked(webhook: SignedWebhook, alpha) -> SignedWebhook:  # type: ignore[no-untyped-def]
    webhook.connection_host = alpha.chain.host  # type: ignore[attr-defined]
    return webhook


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_a_signed_new_check_is_acknowledged_by_the_intake_with_our_receipt_id(hooked, guest):
    answer = send(hooked, _body(check_payload("I-1", guest=guest)))
    assert (answer.status, answer.by_django) == (202, False)
    stored = Receipt.objects.get(external_id="I-1")
    assert answer.json() == {"receipt_id": stored.pk, "status": "received", "duplicate": False}
    assert answer.headers["Content-Type"] == "application/json"
    assert stored.status == ReceiptStatus.RECEIVED
    assert stored.guest_identifier == guest.phone
    assert str(stored.total_amount) == "1000.00"
    assert stored.payload["external_id"] == "I-1"


def test_the_intake_stores_the_same_receipt_as_the_api_view(hooked, guest):
    payload = check_payload("I-2", guest=guest, points_to_spend=30)
    send(hooked, _body(payload))
    through_view = hooked.post({**payload, "external_id": "I-2-view"})
    assert through_view.status_code == 202
    fields = [f.attname for f in Receipt._meta.concrete_fields if f.attname not in {"id", "external_id", "received_at"}]
    ours, views = (
        Receipt.objects.values(*fields, "payload").get(external_id=external_id) for external_id in ("I-2", "I-2-view")
    )
    ours["payload"].pop("external_id"), views["payload"].pop("external_id")
    assert ours == views


def test_a_repeat_is_answered_by_django_with_the_stored_receipt(hooked, guest):
    first = send(hooked, _body(check_payload("I-3", guest=guest)))
    again = send(hooked, _body(check_payload("I-3", guest=guest)))
    assert (again.status, again.by_django) == (200, True)
    assert again.json()["receipt_id"] == first.json()["receipt_id"]
    assert again.json()["duplicate"] is True
    assert Receipt.objects.filter(external_id="I-3").count() == 1


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad_signature", 401, "signature_invalid"),
        ("stale_timestamp", 401, "timestamp_stale"),
        ("unsigned", 401, "signature_missing"),
        ("malformed_json", 400, "malformed_json"),
        ("negative_total", 422, "validation_failed"),
        ("unknown_connection", 404, "connection_not_found"),
        ("paused", 403, "connection_paused"),
    ],
)
def test_refusals_are_answered_by_django_in_the_uniform_format_and_logged(hooked, guest, alpha, case, status, code):
    body = _body(check_payload(f"I-{case}", guest=guest))
    headers = None
    path = None
    stamp = str(int(time.time()))
    if case == "bad_signature":
        headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for("not-the-secret", stamp, body)}
    elif case == "stale_timestamp":
        old = str(int(time.time()) - 3600)
        headers = {TIMESTAMP_HEADER: old, SIGNATURE_HEADER: signature_header_for(hooked.secret, old, body)}
    elif case == "unsigned":
        headers = {}
    elif case == "malformed_json":
        body = b'{"external_id": '
    elif case == "negative_total":
        body = _body(check_payload("I-neg", guest=guest, total_amount="-5.00"))
    elif case == "unknown_connection":
        path = "/api/v1/pos/webhooks/999999"
    elif case == "paused":
        update_connection(
            actor=alpha.user("owner"), pos_connection=hooked.connection, changes={"status": ConnectionStatus.PAUSED}
        )
    answer = send(hooked, body, headers=headers, path=path)
    assert (answer.status, answer.by_django) == (status, True)
    assert answer.json()["error"]["code"] == code
    assert not Receipt.objects.exists()
    assert RejectedAttempt.objects.filter(reason=code, http_status=status).count() == 1


def test_other_requests_pass_through_untouched(hooked, guest):
    listing = send(hooked, b"", path="/api/v1/pos/receipts", method="GET", headers={})
    assert (listing.status, listing.by_django) == (401, True)
    wrong_method = send(hooked, b"", method="GET", headers={})
    assert wrong_method.by_django is True
    assert wrong_method.status == 405


@pytest.mark.parametrize("host", ["nobody.localhost", "evil.example.com"])  # unknown chain; not an allowed host
def test_an_unknown_or_disallowed_host_is_answered_by_django(hooked, guest, alpha, host):
    answer = send(hooked, _body(check_payload("I-4", guest=guest)), host=host)
    assert (answer.status, answer.by_django) == (404, True)
    with schema_context(alpha.chain.schema_name):
        assert not Receipt.objects.exists()


def test_the_request_id_is_kept_on_both_ways(hooked, guest):
    body = _body(check_payload("I-5", guest=guest))
    stamp = str(int(time.time()))
    signed = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(hooked.secret, stamp, body)}
    accepted = send(hooked, body, headers={**signed, "X-Request-ID": "pos-request-0001"})
    refused = send(hooked, body, headers={"X-Request-ID": "pos-request-0002"})
    assert accepted.headers["X-Request-ID"] == "pos-request-0001"
    assert refused.headers["X-Request-ID"] == "pos-request-0002"


def test_the_acknowledgement_carries_the_headers_of_djangos_security_middlewares(hooked, guest):
    accepted = send(hooked, _body(check_payload("I-6", guest=guest)))
    repeat = send(hooked, _body(check_payload("I-6", guest=guest)))  # answered by Django
    assert (accepted.by_django, repeat.by_django) == (False, True)
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"):
        assert accepted.headers.get(name) == repeat.headers.get(name) is not None


def test_a_plain_http_request_is_redirected_by_django_where_https_is_required(hooked, guest, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    answer = send(hooked, _body(check_payload("I-7", guest=guest)))
    assert (answer.status, answer.by_django) == (301, True)
    assert answer.headers["Location"].startswith("https://")
    assert not Receipt.objects.filter(external_id="I-7").exists()
    secure = send(hooked, _body(check_payload("I-8", guest=guest)), headers=None, scheme="https")
    assert (secure.status, secure.by_django) == (202, False)
    assert secure.headers["Strict-Transport-Security"] == "max-age=3600"


def test_one_intake_answers_each_scheme_with_its_own_headers(hooked, guest, settings):
    """The 202's headers are made once per scheme: HSTS on HTTPS answers only, however the requests alternate."""
    settings.SECURE_HSTS_SECONDS = 3600
    intake = WebhookIntake(RecordingDjango())
    answers = [
        send(hooked, _body(check_payload(f"I-9-{n}", guest=guest)), scheme=scheme, intake=intake)
        for n, scheme in enumerate(("http", "https", "http", "https"))
    ]
    assert [answer.status for answer in answers] == [202, 202, 202, 202]
    assert [answer.headers.get("Strict-Transport-Security") for answer in answers] == [
        None,
        "max-age=3600",
        None,
        "max-age=3600",
    ]
    assert all(answer.headers["X-Frame-Options"] == "DENY" for answer in answers)
    assert len({answer.headers["X-Request-ID"] for answer in answers}) == 4
