"""Chaos: the production stack (gunicorn gthread, a Celery worker and beat, PostgreSQL, Redis) takes a burst of
signed POS checks from 16 senders, with duplicates, refunds sent before their sales and checks that spend points,
while its processes are killed and its dependencies taken away. Afterwards every acknowledged check is processed
exactly once, every refund is applied, every balance equals its ledger and its receipts, nothing is stuck, and the
only 5xx answers were 503s inside the fault windows.
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

from tests.chaos.harness import FaultLog, PrivateRedis, Senders, Service, terminate_backends
from tests.process_harness import (
    BIN,
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    sample_check,
    wait_until_serving,
)

pytestmark = [pytest.mark.processes, pytest.mark.chaos]

LOGS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "chaos"
GUESTS, SEEDED_GUESTS, SEED_POINTS = 40, 20, 500
SALES, DUPLICATES, REFUNDS, EARLY_REFUNDS = 240, 40, 30, 10
SENDERS, LOAD_SECONDS, SETTLE_SECONDS = 16, 36, 200


def test_the_module_sets_up_the_test_database(db):
    """Makes pytest-django set up the test database when this module runs on its own."""
    assert connection.vendor == "postgresql"


@pytest.fixture
def stack(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict]:
    from guests.models import Guest
    from loyalty.services import adjust_points

    tag, queue = f"chaos{os.getpid()}", f"chaos-{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=GUESTS)
        with schema_context(chain.schema_name):
            for phone in chain.guest_phones[:SEEDED_GUESTS]:
                guest = Guest.objects.get(phone=phone)
                adjust_points(
                    guest=guest, points=SEED_POINTS, reason="chaos seed", actor=None, idempotency_key=f"seed-{phone}"
                )
        connection.set_schema_to_public()
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
        database = connection.settings_dict["NAME"]
    redis = PrivateRedis(LOGS / "redis.log").start()
    env["REDIS_URL"] = redis.url
    env["PGAPPNAME"] = tag  # the stack's database connections, which the faults terminate
    env.pop("CELERY_BROKER_URL", None)
    port = free_port()
    beat = [str(BIN / "celery"), "-A", "maxloyalty", "beat", "--loglevel", "WARNING"]
    services = {
        "web": Service("web", gunicorn_command(port=port, workers=2, threads=8), env, LOGS / "gunicorn.log"),
        "worker": Service(
            "worker", celery_worker_command(queue=queue, concurrency=2, name=tag), env, LOGS / "worker.log"
        ),
        "beat": Service("beat", [*beat, "--schedule", str(LOGS / f"beat-{tag}")], env, LOGS / "beat.log"),
    }
    base_url = f"http://127.0.0.1:{port}"
    try:
        for service in services.values():
            service.start()
        wait_until_serving(base_url, chain.host)
        yield {
            "chain": chain,
            "base_url": base_url,
            "redis": redis,
            "database": database,
            "application_name": tag,
            **services,
        }
    finally:
        for service in services.values():
            service.stop()
        redis.stop()
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            connection.close()  # its backend may have been terminated with the stack's
            drop_chain(chain)


def _plan(chain: WebhookChain) -> list[dict]:
    rng = random.Random(22)
    seeded = set(chain.guest_phones[:SEEDED_GUESTS])
    sales = []
    for number in range(SALES):
        phone = rng.choice(chain.guest_phones) if number % 8 else None  # every eighth check has no guest
        spend = rng.choice([50, 100, 200]) if phone in seeded and number % 3 == 0 else 0
        amount = rng.randrange(300, 4000, 10)
        sales.append(sample_check(f"C-{number:04d}", phone=phone, amount=amount, points_to_spend=spend))
    refunds = [{"external_id": sale["external_id"], "status": "refunded"} for sale in rng.sample(sales, REFUNDS)]
    rest = sales + [rng.choice(sales) for _ in range(DUPLICATES)] + refunds[EARLY_REFUNDS:]
    rng.shuffle(rest)
    return refunds[:EARLY_REFUNDS] + rest  # these refunds arrive before their sales


def _run_faults(stack: dict, faults: FaultLog, started_at: float) -> None:
    def at(second: float) -> None:
        time.sleep(max(0.0, started_at + second - time.monotonic()))

    at(5)
    with faults.window("a web worker killed", grace_seconds=3):
        stack["web"].children()[0].kill()  # gunicorn's master starts a new one
    at(11)
    with faults.window("the Celery worker killed and restarted", grace_seconds=1):
        stack["worker"].kill()
        time.sleep(2)
        stack["worker"].start()
    at(18)
    with faults.window("Redis restarted", grace_seconds=5):
        stack["redis"].kill()
        time.sleep(2)
        stack["redis"].start()
    at(27)
    with faults.window("every database backend terminated", grace_seconds=4):
        assert terminate_backends(stack["database"], stack["application_name"]) > 0


def test_acknowledged_checks_survive_killed_processes_and_lost_dependencies_exactly_once(stack, django_db_blocker):
    chain: WebhookChain = stack["chain"]
    plan = _plan(chain)
    senders = Senders(base_url=stack["base_url"], chain=chain)
    faults = FaultLog()
    started_at = time.monotonic()
    deadline = started_at + LOAD_SECONDS + 60

    def send(indexed: tuple[int, dict]) -> int:
        index, payload = indexed
        time.sleep(max(0.0, started_at + index * LOAD_SECONDS / len(plan) - time.monotonic()))
        return senders.send(client, payload, deadline)

    with httpx.Client(base_url=stack["base_url"], timeout=30) as client, ThreadPoolExecutor(SENDERS) as pool:
        finals = pool.map(send, enumerate(plan))
        _run_faults(stack, faults, started_at)
        final_statuses = list(finals)

    assert set(final_statuses) <= {200, 202}, Counter(final_statuses)
    assert Counter(answer.status for answer in senders.answers)[503] > 0  # the faults were felt, and answered 503
    broken = [answer for answer in senders.answers if answer.status >= 500 or answer.status == 0]
    assert all(answer.status in {0, 503} for answer in broken), Counter(answer.status for answer in broken)
    outside = [answer for answer in broken if not faults.covers(answer.at)]
    assert outside == [], outside[:5]
    _assert_settled_exactly_once(chain, plan, django_db_blocker)


def _assert_settled_exactly_once(
    chain: WebhookChain, plan: list[dict], django_db_blocker: pytest.FixtureRequest
) -> None:
    from guests.models import Guest, Visit
    from loyalty.models import AppliedCheck, LedgerEntry, PointsAccount
    from pos.models import Receipt

    sales = {payload["external_id"] for payload in plan if "status" not in payload or payload["status"] == "closed"}
    refunds = {payload["external_id"] for payload in plan if payload.get("status") == "refunded"}
    with django_db_blocker.unblock(), schema_context(chain.schema_name):  # type: ignore[attr-defined]
        connection.close()  # this test's own backend was terminated with the others
        settle_by = time.monotonic() + SETTLE_SECONDS
        while Receipt.objects.exclude(status="processed").exists() and time.monotonic() < settle_by:
            time.sleep(1)
        stuck = list(Receipt.objects.exclude(status="processed").values_list("external_id", "status", "last_error"))
        assert stuck == [], stuck[:5]
        stored = Counter(Receipt.objects.values_list("operation", flat=True))
        assert stored == {"sale": len(sales), "refund": len(refunds)}  # each acknowledged once, none doubled
        assert AppliedCheck.objects.count() == Receipt.objects.filter(operation="sale").exclude(guest=None).count()
        assert Counter(AppliedCheck.objects.values_list("receipt_id", flat=True)).most_common(1)[0][1] == 1
        assert Visit.objects.count() == AppliedCheck.objects.count()
        refund_outcomes = set(Receipt.objects.filter(operation="refund").values_list("outcome_reason", flat=True))
        assert refund_outcomes <= {"reversed", "nothing_to_reverse"}
        for guest in Guest.objects.all():
            ledger = LedgerEntry.objects.filter(guest=guest, is_pending=False).aggregate(total=Sum("points"))
            account = PointsAccount.objects.filter(guest=guest).first()
            available = account.available if account else 0
            assert available == (ledger["total"] or 0), guest.phone
            receipts = Receipt.objects.filter(guest=guest, status="processed").aggregate(
                earned=Sum("points_earned"), spent=Sum("points_spent")
            )
            seed = SEED_POINTS if guest.phone in chain.guest_phones[:SEEDED_GUESTS] else 0
            assert available == seed + (receipts["earned"] or 0) - (receipts["spent"] or 0), guest.phone
    connection.set_schema_to_public()
