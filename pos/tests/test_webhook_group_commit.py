"""Group commit in the WSGI intake (a threaded server): webhooks that arrive while an acknowledgement's INSERT is in
flight are stored together by the next INSERT, each answered 202 with its own receipt id; a repeat within such a
group is answered by Django with the stored receipt, as any repeat is.

The threads need committed data (each has its own database connection), so the chain here is a real committed one,
removed afterwards; the in-flight INSERT is held by a real row lock: another transaction holding an uncommitted
receipt with the same key as the first check."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context

from pos.tests.conftest import parsed_check, wsgi_environ
from pos.tests.test_webhook_intake import RecordingDjango
from pos.webhook_intake import WebhookIntake, acknowledgements
from tests.process_harness import WebhookChain, create_webhook_chain, drop_chain, sample_check, signed_request

pytestmark = pytest.mark.django_db  # the test's own connection only reads what the threads committed


@pytest.fixture(scope="module")
def committed_chain(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[WebhookChain]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug="groupcommit", guests=4)
    yield chain
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        drop_chain(chain)


def _post(intake: WebhookIntake, chain: WebhookChain, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One webhook through the intake in the calling thread, which then closes its database connection."""
    body, headers = signed_request(chain.secret, payload)
    headers.pop("Content-Type")
    environ = wsgi_environ(
        method="POST", path=f"/api/v1/pos/webhooks/{chain.connection_id}", host=chain.host, body=body, headers=headers
    )
    started: list[str] = []
    try:
        answer = b"".join(intake(environ, lambda status, headers, exc_info=None: started.append(status)))
        return int(started[0].split()[0]), json.loads(answer)
    finally:
        connections.close_all()


class HeldReceiptKey:
    """A transaction in its own thread holding an uncommitted receipt with the key of `payload`: an acknowledgement
    INSERT of the same check waits for it (and inserts once it is rolled back)."""

    def __init__(self, chain: WebhookChain, payload: dict[str, Any]) -> None:
        self.chain, self.payload = chain, payload
        self.holding, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        from pos.services.receipts import CheckToAcknowledge, acknowledge_checks

        try:
            with schema_context(self.chain.schema_name), transaction.atomic():
                check = parsed_check(self.payload)
                restaurant_id = _restaurant_id(self.chain)
                acknowledge_checks([CheckToAcknowledge(self.chain.connection_id, restaurant_id, check, "webhook")])
                self.holding.set()
                self.release.wait(20)
                transaction.set_rollback(True)
        finally:
            connections.close_all()

    def __enter__(self) -> HeldReceiptKey:
        self.thread.start()
        assert self.holding.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def _restaurant_id(chain: WebhookChain) -> int:
    from pos.models import PosConnection

    return PosConnection.objects.values_list("restaurant_id", flat=True).get(pk=chain.connection_id)


def _wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # the test's transaction would see its first reading
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def _stored(chain: WebhookChain) -> dict[str, tuple[int, Any]]:
    from pos.models import Receipt

    with schema_context(chain.schema_name):
        return {
            external_id: (receipt_id, received_at)
            for external_id, receipt_id, received_at in Receipt.objects.values_list("external_id", "id", "received_at")
        }


def _send_while_the_first_insert_waits(
    chain: WebhookChain, first: dict[str, Any], later: list[dict[str, Any]]
) -> tuple[Future, list[Future], RecordingDjango]:
    django = RecordingDjango()
    intake = WebhookIntake(django)
    pool = ThreadPoolExecutor(1 + len(later))
    with HeldReceiptKey(chain, first):
        leading = pool.submit(_post, intake, chain, first)
        _wait_until(lambda: _lock_waiters() >= 1, "the first acknowledgement's INSERT waits for the held key")
        following = [pool.submit(_post, intake, chain, payload) for payload in later]
        _wait_until(lambda: acknowledgements.queued() == len(later), "the later webhooks queue behind it")
    pool.shutdown(wait=True)
    return leading, following, django


def test_webhooks_arriving_during_an_insert_share_the_next_one_each_with_its_own_receipt(committed_chain):
    chain = committed_chain
    phones = chain.guest_phones
    first = sample_check("GC-0", phone=phones[0])
    later = [sample_check(f"GC-{number}", phone=phones[number % len(phones)]) for number in range(1, 6)]
    writes_before = acknowledgements.writes

    leading, following, django = _send_while_the_first_insert_waits(chain, first, later)

    stored = _stored(chain)
    assert leading.result() == (202, {"receipt_id": stored["GC-0"][0], "status": "received", "duplicate": False})
    for payload, answer in zip(later, following, strict=True):
        receipt_id = stored[payload["external_id"]][0]
        assert answer.result() == (202, {"receipt_id": receipt_id, "status": "received", "duplicate": False})
    assert django.calls == 0
    assert acknowledgements.writes - writes_before == 2  # the first check's INSERT, then one for the five
    later_times = {stored[payload["external_id"]][1] for payload in later}
    assert len(later_times) == 1 and later_times != {stored["GC-0"][1]}


def test_a_repeat_inside_a_group_is_answered_by_django_with_the_stored_receipt(committed_chain):
    chain = committed_chain
    first = sample_check("GD-0", phone=chain.guest_phones[0])
    repeated = sample_check("GD-1", phone=chain.guest_phones[1])
    other = sample_check("GD-2", phone=chain.guest_phones[2])

    leading, following, django = _send_while_the_first_insert_waits(chain, first, [repeated, other, repeated])

    stored = _stored(chain)
    answers = [future.result() for future in following]
    assert leading.result()[0] == 202
    assert answers[1] == (202, {"receipt_id": stored["GD-2"][0], "status": "received", "duplicate": False})
    repeats = sorted([answers[0], answers[2]], key=lambda answer: answer[0])
    assert repeats[0] == (200, {**repeats[0][1], "receipt_id": stored["GD-1"][0], "duplicate": True})
    assert repeats[1] == (202, {"receipt_id": stored["GD-1"][0], "status": "received", "duplicate": False})
    assert django.calls == 1  # only the repeat went to Django
