"""Signed POS webhooks through real processes: gunicorn serves the app, a real Celery worker processes receipts.

A few hundred checks go over HTTP (with duplicates, some of them concurrent, and one refund). Every check answered
202 must be processed exactly once, duplicates must change nothing, and every guest's balance must equal the sum
of their ledger entries. The data is committed (the processes must see it) in a dedicated chain, dropped at the end.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import schema_context

from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "end-to-end"
CHECKS = 260
DUPLICATES = 60


@pytest.fixture
def pipeline(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[tuple[WebhookChain, str]]:
    tag = f"e2e{os.getpid()}"
    queue = f"pos-e2e-{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=40)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        with (
            running(gunicorn_command(port=port, workers=2, threads=4), env=env, log=LOGS / "gunicorn.log"),
            running(celery_worker_command(queue=queue, concurrency=2, name=tag), env=env, log=LOGS / "celery.log"),
        ):
            wait_until_serving(base_url, chain.host)
            yield chain, base_url
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)
            delete_redis_keys(tag)
            purge_queue(queue)


def test_the_checks_sent_below_are_valid_webhook_bodies(db):
    """Also makes pytest-django set up the test database when this module runs on its own."""
    import zoneinfo

    from guests.phones import normalize_phone
    from pos.check_format import parse_webhook_check

    check = parse_webhook_check(
        sample_check("E2E-X", phone="+79160000001", amount=1230),
        default_currency="RUB",
        zone=zoneinfo.ZoneInfo("UTC"),
        normalize_phone=normalize_phone,
    )
    assert (check.total_amount, check.guest_value, len(check.lines)) == (1230, "+79160000001", 2)


def _send(client: httpx.Client, chain: WebhookChain, payload: dict) -> tuple[str, int, dict]:
    body, headers = signed_request(chain.secret, payload)
    response = client.post(
        f"/api/v1/pos/webhooks/{chain.connection_id}", content=body, headers={**headers, "Host": chain.host}
    )
    return payload["external_id"], response.status_code, response.json()


def _wait_until_processed(chain: WebhookChain, django_db_blocker: pytest.FixtureRequest, timeout: float = 60.0) -> None:
    from pos.models import Receipt

    deadline = time.monotonic() + timeout
    with django_db_blocker.unblock(), schema_context(chain.schema_name):  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            if not Receipt.objects.exclude(status="processed").exists():
                return
            time.sleep(0.25)
        left = list(Receipt.objects.exclude(status="processed").values_list("external_id", "status", "last_error")[:5])
    raise AssertionError(f"receipts still not processed after {timeout}s: {left}")


def test_every_acknowledged_check_is_processed_exactly_once(pipeline, django_db_blocker):
    chain, base_url = pipeline
    rng = random.Random(5)
    checks = []
    for number in range(CHECKS):
        phone = rng.choice(chain.guest_phones) if number % 10 else None  # every tenth check has no guest
        checks.append(sample_check(f"E2E-{number:04d}", phone=phone, amount=rng.randrange(200, 5000, 10)))
    duplicates = [rng.choice(checks) for _ in range(DUPLICATES)]
    sends = checks + duplicates
    rng.shuffle(sends)  # duplicates race their originals across 16 concurrent senders

    with httpx.Client(base_url=base_url, timeout=30) as client, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda payload: _send(client, chain, payload), sends))

        statuses = Counter(status for _external_id, status, _body in answers)
        assert set(statuses) <= {200, 202}, answers[:5]
        assert statuses[202] == CHECKS  # each distinct check acknowledged exactly once
        assert statuses[200] == DUPLICATES  # every repeat answered with the stored receipt
        receipt_ids: dict[str, set[int]] = {}
        for external_id, _status, body in answers:
            receipt_ids.setdefault(external_id, set()).add(body["receipt_id"])
        assert all(len(ids) == 1 for ids in receipt_ids.values())  # a repeat names the same receipt

        _wait_until_processed(chain, django_db_blocker)
        refunded = next(check for check in checks if "guest" in check)
        refund = {"external_id": refunded["external_id"], "status": "refunded"}
        assert _send(client, chain, refund)[1] == 202
        _wait_until_processed(chain, django_db_blocker)

    from guests.models import Guest, Visit
    from loyalty.models import AppliedCheck, LedgerEntry, PointsAccount
    from pos.models import Receipt

    with django_db_blocker.unblock(), schema_context(chain.schema_name):  # type: ignore[attr-defined]
        sales = Receipt.objects.filter(operation="sale")
        assert sales.count() == CHECKS
        assert set(sales.values_list("status", flat=True)) == {"processed"}
        with_guest = sales.exclude(guest=None)
        assert with_guest.count() == sum(1 for check in checks if "guest" in check)
        assert sales.filter(guest=None, outcome_reason="no_guest").count() == CHECKS - with_guest.count()
        # Exactly once: one applied check and one visit per receipt with a guest, whatever the duplicates did.
        assert AppliedCheck.objects.count() == with_guest.count()
        assert Counter(AppliedCheck.objects.values_list("receipt_id", flat=True)).most_common(1)[0][1] == 1
        assert Visit.objects.count() == with_guest.count()
        refund_receipt = Receipt.objects.get(operation="refund")
        assert (refund_receipt.status, refund_receipt.outcome_reason) == ("processed", "reversed")
        for guest in Guest.objects.all():
            entries = LedgerEntry.objects.filter(guest=guest, is_pending=False).aggregate(total=Sum("points"))
            account = PointsAccount.objects.filter(guest=guest).first()
            available = account.available if account else 0
            assert available == (entries["total"] or 0), guest.phone
            receipts = Receipt.objects.filter(guest=guest, status="processed").aggregate(total=Sum("points_earned"))
            assert available == (receipts["total"] or 0), guest.phone
    connection.set_schema_to_public()
