"""The production stack as processes (tests/prod_smoke.py): gunicorn with the production settings behind nginx over
TLS, a Celery worker and beat, started by the image's entry point; a sign-in over HTTPS, a signed POS check that
becomes points, /readyz and the metrics, and nothing left running afterwards. `make prod-smoke` runs this alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from maxloyalty.encryption import configured_keys
from tests.process_harness import delete_redis_keys, purge_queue
from tests.prod_smoke import SmokeChain, SmokeReport, create_smoke_chain, drop_smoke_chain, production_env, run_smoke

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "prod-smoke"


@pytest.fixture
def smoke_chain(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[SmokeChain]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_smoke_chain(f"smoke{os.getpid()}")
    try:
        yield chain
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_smoke_chain(chain)


@pytest.fixture
def report(smoke_chain: SmokeChain, django_db_blocker: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmokeReport]:
    deployment = f"prodsmoke-{os.getpid()}"
    database_url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}"))
    env = production_env(
        database_url=database_url,
        redis_url=settings.REDIS_URL,
        encryption_keys=[key.decode() for key in configured_keys()],  # the suite's, so both read the secrets
        deployment=deployment,
    )
    try:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            yield run_smoke(chain=smoke_chain, env=env, workdir=tmp_path, logs=LOGS)
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            delete_redis_keys(deployment)
            purge_queue(f"{deployment}-tasks")


def test_the_check_the_smoke_sends_is_a_valid_webhook_body(db):
    """Also makes pytest-django set up the test database when this module runs on its own (as `make prod-smoke`
    runs it): a test that only starts processes asks for no database."""
    import zoneinfo

    from guests.phones import normalize_phone
    from pos.check_format import parse_webhook_check
    from tests.process_harness import sample_check

    check = parse_webhook_check(
        sample_check("SMOKE-1", phone="+79160000077", amount=1500),
        default_currency="RUB",
        zone=zoneinfo.ZoneInfo("UTC"),
        normalize_phone=normalize_phone,
    )
    assert (check.total_amount, check.guest_value) == (1500, "+79160000077")


def test_production_stack_behind_tls_serves_a_signed_in_owner_and_turns_a_check_into_points(report, smoke_chain):
    # Plain HTTP is only a redirect to HTTPS, on the proxy itself.
    assert report.plain_http_status == 301
    assert report.plain_http_location.startswith(f"https://{smoke_chain.host}")
    # The session cookie is Secure and works: Django believed the proxy's X-Forwarded-Proto (else every request
    # would be redirected to HTTPS and the CSRF check would refuse the sign-in's HTTPS origin).
    assert "; Secure" in report.sign_in_cookie
    assert report.signed_in_page_status == 200
    assert report.check_status == 202
    assert report.guest_points > 0
    assert report.readyz_status == 200
    assert set(report.readyz) >= {"status"}
    # The proxy serves no metrics; each process serves them to an allowed network (here: loopback, directly).
    assert report.proxied_metrics_status == 404
    assert "maxloyalty_pos_checks_received_total" in report.web_metrics
    assert 'maxloyalty_pos_checks_total{pos_kind="webhook",status="processed"} 1.0' in report.worker_metrics
    assert report.beat_alive
    assert report.left_running == []
    assert report.seconds < 90
