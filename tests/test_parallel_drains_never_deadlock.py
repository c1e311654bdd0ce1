"""Parallel drains and the till never deadlock: two drains and a cashier work on the same guests at the same moment,
over batches that mix sales, refunds of sales in the same and in the other batch, checks that spend points and
checks with a promo code, round after round. No "deadlock detected", and every balance equals its ledger.

The lock order this relies on is written down in docs/lock-order.md.
"""

from __future__ import annotations

import contextlib
import random
import threading
import zoneinfo
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.process_harness import WebhookChain, create_webhook_chain, drop_chain, sample_check

ROUNDS, SALES_PER_ROUND, DRAINS = 8, 24, 2


def test_the_module_sets_up_the_test_database(db):
    """Makes pytest-django set up the test database when this module runs on its own."""
    assert connection.vendor == "postgresql"


@pytest.fixture
def chain(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[WebhookChain]:
    from guests.models import Guest
    from loyalty.services import adjust_points, create_promo, create_promo_code

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        made = create_webhook_chain(slug="lockorder", guests=6)
        with schema_context(made.schema_name):
            for guest in Guest.objects.all():
                adjust_points(guest=guest, points=5000, reason="seed", actor=None, idempotency_key=f"seed-{guest.pk}")
            promo = create_promo(actor=None, name="Coded", bonus_points=30, requires_code=True)
            create_promo_code(promo=promo, code="LOCKS", actor=None, max_uses=None, max_uses_per_guest=None)
        connection.set_schema_to_public()
    try:
        yield made
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(made)


def _store(chain: WebhookChain, payloads: list[dict]) -> None:
    """Stored as the webhook stores them (receipt_values + one INSERT), without queueing a drain."""
    from guests.phones import normalize_phone
    from pos.check_format import parse_webhook_check
    from pos.models import PosConnection
    from pos.services.receipts import insert_new_receipts, receipt_values

    pos_connection = PosConnection.objects.get(pk=chain.connection_id)
    rows = []
    for payload in payloads:
        check = parse_webhook_check(
            payload, default_currency="RUB", zone=zoneinfo.ZoneInfo("UTC"), normalize_phone=normalize_phone
        )
        rows.append(
            receipt_values(
                check, connection_id=pos_connection.pk, restaurant_id=pos_connection.restaurant_id, source="webhook"
            )
        )
    insert_new_receipts(rows)


def _round_payloads(chain: WebhookChain, number: int, earlier: list[dict], rng: random.Random) -> list[dict]:
    sales = []
    for index in range(SALES_PER_ROUND):
        extra: dict = {}
        if index % 4 == 1:
            extra["promo_code"] = "LOCKS"
        check = sample_check(
            f"R{number}-{index}",
            phone=rng.choice(chain.guest_phones),
            amount=rng.randrange(500, 3000, 10),
            points_to_spend=100 if index % 3 == 0 else 0,
        )
        sales.append(check | extra)
    refunds = [
        {"external_id": sale["external_id"], "status": "refunded"}
        for sale in rng.sample(sales, 6) + (rng.sample(earlier, 6) if earlier else [])
    ]
    rng.shuffle(refunds)
    # Some refunds are stored before the sales they cancel, the rest after: one claim takes both kinds.
    return refunds[:3] + sales + refunds[3:]


def _in_threads(chain: WebhookChain, work: list[Callable[[], object]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(job: Callable[[], object]) -> None:
        try:
            with schema_context(chain.schema_name):
                start.wait()
                job()
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _drain_until_empty() -> None:
    from pos.services.receipts import process_pending_receipts

    while process_pending_receipts(limit=10):
        pass


def _cashier(chain: WebhookChain, number: int) -> Callable[[], None]:
    def work() -> None:
        from guests.models import Guest
        from loyalty.errors import InsufficientPoints
        from loyalty.rules import Check
        from loyalty.services import apply_check, redeem_points

        guests = list(Guest.objects.order_by("-pk"))  # the opposite order to the drains' ascending one
        for index, guest in enumerate(guests):
            apply_check(
                guest=guest,
                check=Check(total_amount=Decimal("800.00"), lines=()),
                restaurant=None,
                idempotency_key=f"till-{number}-{index}",
            )
            with contextlib.suppress(InsufficientPoints):
                redeem_points(guest=guest, points=10, idempotency_key=f"till-redeem-{number}-{index}")

    return work


def test_two_drains_and_the_till_never_deadlock_over_mixed_batches(chain, django_db_blocker):
    from guests.models import Guest
    from loyalty.models import LedgerEntry, PointsAccount
    from pos.models import Receipt

    rng = random.Random(7)
    earlier: list[dict] = []
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        for number in range(ROUNDS):
            with schema_context(chain.schema_name):
                payloads = _round_payloads(chain, number, earlier, rng)
                _store(chain, payloads)
            earlier = [payload for payload in payloads if payload.get("status") == "closed"]
            errors = _in_threads(chain, [_drain_until_empty] * DRAINS + [_cashier(chain, number)])
            assert errors == [], errors
            with schema_context(chain.schema_name):
                _drain_until_empty()  # refunds whose sale the other drain held come due now
        with schema_context(chain.schema_name):
            failures = list(Receipt.objects.exclude(last_error="").values_list("external_id", "last_error"))
            assert not [failure for failure in failures if "deadlock" in failure[1].lower()], failures[:5]
            Receipt.objects.filter(status="failed").update(next_attempt_at=timezone.now())  # what waits a backoff
            _drain_until_empty()
            assert set(Receipt.objects.values_list("status", flat=True)) == {"processed"}
            reversed_refunds = Receipt.objects.filter(operation="refund", outcome_reason__startswith="reversed")
            assert reversed_refunds.count() > ROUNDS * 6  # refunds of this batch's and the other batch's sales
            for guest in Guest.objects.all():
                ledger = LedgerEntry.objects.filter(guest=guest, is_pending=False).aggregate(total=Sum("points"))
                assert PointsAccount.objects.get(guest=guest).available == ledger["total"]
        connection.set_schema_to_public()
