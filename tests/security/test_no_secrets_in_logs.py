"""No secret reaches a log line: bot tokens in httpx's request URLs, POS tokens and hand-off tokens in query
strings (Django's request log, gunicorn's access log), whatever the level.

Every test of the bot, POS, billing and auth suites (and of this folder) is also checked by tests/log_secrets.py;
the last tests here prove that check fails a test that logs a secret.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection

from accounts.handoff import handoff_url
from tests.fixtures import api_token, client_on
from tests.log_secrets import LogCapture, leak_report, register_secret, registry, start_capture, stop_capture

ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def captured_logs() -> Iterator[LogCapture]:
    capture, levels = start_capture()
    try:
        yield capture
    finally:
        stop_capture(capture, levels)


def test_bot_token_in_bot_api_urls_is_redacted_even_at_debug(settings):
    from telegram_bot.client import call_bot
    from telegram_bot.tests.fake_telegram import start_fake_telegram

    fake = start_fake_telegram()
    token = f"700100:{secrets.token_urlsafe(32)}"
    fake.valid_tokens.add(token)
    settings.TELEGRAM_API_BASE_URL = fake.base_url
    try:
        with captured_logs() as capture:
            me = call_bot(token, lambda bot: bot.get_me())
    finally:
        fake.server.shutdown()

    assert me.username  # the call itself still works
    assert any("/botREDACTED/getMe" in line for line in capture.lines)  # httpx logged the URL, redacted
    assert not [line for line in capture.lines if token.split(":")[1] in line]


def test_pos_token_in_the_query_string_is_redacted_in_django_request_log(alpha):
    token = secrets.token_urlsafe(32)
    with captured_logs() as capture:
        response = client_on(alpha.host).post(
            f"/api/v1/pos/rkeeper/987654/notify?token={token}", b"<a/>", content_type="application/xml"
        )

    assert response.status_code == 404
    assert any("token=REDACTED" in line for line in capture.lines)  # the request repr in the record's extras
    assert not [line for line in capture.lines if token in line]


def test_rkeeper_takes_its_token_in_a_header_or_the_query_and_neither_reaches_the_log(alpha):
    from pos.services import create_connection

    pos_connection, issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="rkeeper",
        external_restaurant_code="199990053",
        api_base_url="http://127.0.0.1:9",
        credentials={"username": "cash", "password": "cash-server-password"},
    )
    wrong = secrets.token_urlsafe(32)
    path = f"/api/v1/pos/rkeeper/{pos_connection.pk}/notify"
    event = '<Event EventGuid="e1" ObjectId="199990053" EventType="OrdersChanged"><ChangedOrders/></Event>'
    client = client_on(alpha.host)
    with captured_logs() as capture:
        refused = client.post(f"{path}?token={wrong}", event, content_type="application/xml")
        by_header = client.post(
            path, event, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {issued.inbound_token}"
        )
        by_query = client.post(f"{path}?token={issued.inbound_token}", event, content_type="application/xml")

    assert (refused.status_code, by_header.status_code, by_query.status_code) == (401, 200, 200)
    assert any("token=REDACTED" in line for line in capture.lines)  # the refusal was logged, without the token
    assert not [line for line in capture.lines if wrong in line or issued.inbound_token in line]


def test_a_jwt_and_a_handoff_link_logged_by_mistake_are_redacted(alpha):
    jwt = api_token(alpha, "owner")
    link = handoff_url(alpha.user("owner"), alpha.chain)
    handoff_token = parse_qs(urlsplit(link).query)["token"][0]
    with captured_logs() as capture:
        logging.getLogger("accounts").warning("Signed in with Bearer %s, then followed %s", jwt, link)
        logging.getLogger("accounts").warning("token value %s", handoff_token)

    assert jwt in registry and handoff_token in registry  # what the application minted is known to the check
    assert not capture.leaks()
    assert "Bearer REDACTED" in capture.lines[0] and "token=REDACTED" in capture.lines[0]


@pytest.mark.processes
def test_gunicorn_access_log_redacts_tokens_in_query_strings(alpha, django_db_blocker, tmp_path):
    from tests.process_harness import free_port, gunicorn_command, process_env, running, wait_until_serving

    pos_token = secrets.token_urlsafe(32)
    handoff_token = parse_qs(urlsplit(handoff_url(alpha.user("owner"), alpha.chain)).query)["token"][0]
    env = process_env(database_name=connection.settings_dict["NAME"], queue="log-redaction", cache_prefix="logred")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    command = [*gunicorn_command(port=port, workers=1, threads=2), "--access-logfile", "-", "--log-level", "info"]
    with running(command, env=env, log=log):
        wait_until_serving(base_url, alpha.host)
        with httpx.Client(base_url=base_url, headers={"Host": alpha.host}) as client:
            notify = client.post(f"/api/v1/pos/rkeeper/987654/notify?token={pos_token}", content=b"<a/>")
            handoff = client.get(f"/accounts/handoff/?token={handoff_token}&next=/")
        time.sleep(0.5)  # the access log line is written after the response
    written = log.read_text()

    assert (notify.status_code, handoff.status_code) == (404, 302)
    assert "/api/v1/pos/rkeeper/987654/notify?token=REDACTED" in written
    assert "/accounts/handoff/?token=REDACTED&next=/" in written
    assert pos_token not in written and handoff_token not in written


def test_a_celery_worker_redacts_on_its_log_handlers():
    """A worker logs through settings.LOGGING's handlers (maxloyalty.celery's setup_logging receiver): they redact."""
    program = textwrap.dedent(
        """
        import django, logging
        django.setup()
        from maxloyalty.celery import app
        app.log.setup(loglevel="INFO", redirect_stdouts=False, colorize=False)
        logging.getLogger("celery.app.trace").info("GET /bot700100:%s/getMe?token=%s", "A" * 30, "abc123")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "GET /botREDACTED/getMe?token=REDACTED" in result.stderr
    assert "A" * 30 not in result.stderr and "abc123" not in result.stderr


@pytest.mark.parametrize(
    ("logged", "secret"),
    [
        ("POST https://api.telegram.org/bot7001002:AAHq1x-9Zk_abcdefghijklmnopqrstuvwx/sendMessage", "AAHq1x-9Zk"),
        ("The token `7001002:AAHq1x-9Zk_abcdefghijklmnopqrstuvwx` was rejected", "AAHq1x-9Zk"),
        ("GET /api/v1/pos/rkeeper/5/notify?token=Zm9vYmFyYmF6cXV4&x=1", "Zm9vYmFyYmF6cXV4"),
        ("GET /accounts/handoff/?token=eyJ1c2VyIjoxfQ:1tYx3k:c2lnbmF0dXJlc2lnbmF0dXJl", "c2lnbmF0dXJl"),
        ("GET /signup/confirm/?token=c29tZS1jb25maXJtLXRva2Vu", "c29tZS1jb25maXJt"),
        ("GET /staff/invitation/c29tZS1pbnZpdGF0aW9uLXRva2Vu/", "c29tZS1pbnZpdGF0aW9u"),
        ("headers {'Authorization': 'Bearer opaque-access-value-1234'}", "opaque-access-value"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ('{"password": "hunter2-hunter2", "login": "cash"}', "hunter2"),
        ("signature=t%3D1%2Cv1%3Ddeadbeefcafe0123", "deadbeefcafe"),
        ("X-Telegram-Bot-Api-Secret-Token: s3cr3t-webhook-value", "s3cr3t-webhook"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl", "eyJ1c2VyX2lkIjoxfQ"),
        ("key sk_live_51Habcdefghijk and whsec_0123456789abcdef", "51Habcdefghijk"),
        ("reset /accounts/password/reset/MQ/cbyuq0-0a1b2c3d4e5f60718293a4b5c6d7e8f9/", "0a1b2c3d4e5f6071"),
    ],
)
def test_each_secret_shape_is_redacted(logged, secret):
    from maxloyalty.log_redaction import REDACTED, redact

    redacted = redact(logged)
    assert secret not in redacted and REDACTED in redacted


@pytest.mark.parametrize(
    "logged",
    [
        "Not Found: /guests/42/",
        "POS receipt 1234 failed",
        "Task telegram_bot.tasks.send_delivery[8d1f4c2e-7a0b-4c1e-9f3a-2b5d6e7f8a9b] succeeded in 0.05s: 'sent'",
        "Stripe webhook refused from 203.0.113.7: timestamp outside the tolerance",
        "connect redis://127.0.0.1:6379/6 at 21:45:37, 2a02:5180::/32 allowed",
    ],
)
def test_ordinary_lines_are_left_as_they_are(logged):
    from maxloyalty.log_redaction import redact

    assert redact(logged) == logged


def test_the_check_reports_a_logged_secret_that_has_no_known_shape():
    value = "plain-" + secrets.token_hex(8)
    register_secret(value)
    capture = LogCapture()
    logger = logging.getLogger("tests.deliberate_leak")  # kept away from the check running on this very test
    logger.propagate = False
    logger.addHandler(capture)
    try:
        logger.warning("the value is %s", value)
    finally:
        logger.removeHandler(capture)

    report = leak_report(capture)
    assert report is not None and "1 log line(s) hold a secret" in report
    assert value not in report  # the report itself masks it


def test_a_test_that_logs_a_secret_fails(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    folder = pytester.mkdir("tests")
    (folder / "security").mkdir()
    (folder / "security" / "test_logging.py").write_text(
        textwrap.dedent(
            """
            import logging

            from tests.log_secrets import register_secret

            def test_logs_a_secret():
                register_secret("s3cret-without-any-shape")
                logging.getLogger("anything").warning("the value is s3cret-without-any-shape")

            def test_logs_no_secret():
                register_secret("an0ther-s3cret-value")
                logging.getLogger("anything").warning("nothing to hide here")
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "tests.log_secrets", "-p", "no:randomly", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_logs_a_secret*", "*1 log line(s) hold a secret*"])
