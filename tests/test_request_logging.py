"""Every response carries a request id, and log lines carry it with the chain being served and the signed-in staff
user (never anything of an anonymous visitor); nothing of one request is left on another's lines or after it."""

import io
import json
import logging
import logging.config
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from maxloyalty.request_context import RequestContextFilter, RequestIdMiddleware
from tests.fixtures import api_as, client_on, signed_in_client


def test_response_has_a_generated_request_id(alpha):
    response = client_on(alpha.host).get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_incoming_request_id_is_kept_and_junk_is_replaced(alpha):
    assert client_on(alpha.host).get("/healthz", HTTP_X_REQUEST_ID="pos-abc-12345")["X-Request-ID"] == "pos-abc-12345"
    assert client_on(alpha.host).get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


@contextmanager
def lines_of(logger_name: str, log_format: str = "json") -> Iterator[list[str]]:
    """The lines `logger_name` writes meanwhile, through settings.LOGGING's formatter and request context filter."""
    stream, lines = io.StringIO(), []
    configurator = logging.config.DictConfigurator({})
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configurator.configure_formatter(dict(settings.LOGGING["formatters"][log_format])))
    handler.addFilter(configurator.configure_filter(dict(settings.LOGGING["filters"]["request_context"])))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        lines.extend(stream.getvalue().strip().splitlines())


def test_json_log_lines_carry_request_id_and_chain(alpha):
    with lines_of("django.request") as lines:
        client_on(alpha.host).get("/no-such-page/", HTTP_X_REQUEST_ID="trace-0001-abcd")
    line = json.loads(lines[-1])
    assert line["request_id"] == "trace-0001-abcd"
    assert line["chain"] == "alpha"
    assert line["level"] == "WARNING"
    assert line["user_id"] == "-"  # an anonymous visitor
    assert (line["task_name"], line["task_id"]) == ("-", "-")


def test_a_signed_in_staff_users_id_is_on_json_and_text_lines(alpha):
    client = signed_in_client(alpha, "owner")
    with lines_of("django.request") as json_lines, lines_of("django.request", "text") as text_lines:
        assert client.get("/guests/987654321/", HTTP_X_REQUEST_ID="trace-0002-abcd").status_code == 404

    owner_id = str(alpha.user("owner").pk)
    assert json.loads(json_lines[-1])["user_id"] == owner_id
    assert f"[trace-0002-abcd alpha user={owner_id} task=-]" in text_lines[-1]


def test_an_api_requests_line_carries_the_user_of_its_token(alpha):
    client = api_as(alpha, "manager")
    with lines_of("django.request") as lines:
        assert client.get("/api/v1/guests/987654321", HTTP_X_REQUEST_ID="trace-0004-abcd").status_code == 404

    assert json.loads(lines[-1])["user_id"] == str(alpha.user("manager").pk)


def _context_of_a_line_now() -> dict[str, str]:
    record = logging.LogRecord("test", logging.WARNING, __file__, 1, "now", (), None)
    RequestContextFilter().filter(record)
    return {"request_id": record.request_id, "user_id": record.user_id}  # type: ignore[attr-defined]


def test_a_request_in_another_thread_lends_nothing_to_this_one(alpha):
    inside, release, seen = threading.Event(), threading.Event(), {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(_context_of_a_line_now())
        inside.set()
        release.wait(10)
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="other-thread-0001")
    request.user = alpha.user("owner")
    serving = threading.Thread(target=RequestIdMiddleware(view), args=[request])
    serving.start()
    assert inside.wait(10)
    meanwhile = _context_of_a_line_now()
    release.set()
    serving.join(10)

    assert seen == {"request_id": "other-thread-0001", "user_id": str(alpha.user("owner").pk)}
    assert meanwhile == {"request_id": "-", "user_id": "-"}


def test_nothing_of_a_request_is_left_on_the_lines_after_it(alpha):
    signed_in_client(alpha, "owner").get("/guests/987654321/", HTTP_X_REQUEST_ID="trace-0003-abcd")

    assert _context_of_a_line_now() == {"request_id": "-", "user_id": "-"}
