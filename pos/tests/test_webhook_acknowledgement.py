"""The webhook stores the check and answers 202 with our receipt id before any points work; repeats change nothing."""

from __future__ import annotations

import threading
import zoneinfo

from django.db import connections
from django_tenants.utils import schema_context

from loyalty.models import LedgerEntry
from pos.check_format import parse_webhook_check
from pos.models import PosConnection, Receipt, ReceiptStatus
from pos.services import create_connection
from pos.services.receipts import receive_check
from pos.tests.conftest import SignedWebhook, check_payload


def test_new_check_is_answered_202_with_our_receipt_id_before_points_are_written(webhook, guest):
    response = webhook.post(check_payload("A-1", guest=guest))
    assert response.status_code == 202
    body = response.json()
    stored = Receipt.objects.get(pk=body["receipt_id"])
    assert body == {"receipt_id": stored.pk, "status": "received", "duplicate": False}
    assert stored.status == ReceiptStatus.RECEIVED
    assert stored.external_id == "A-1"
    assert str(stored.total_amount) == "1000.00"
    assert not LedgerEntry.objects.filter(guest=guest).exists()


def test_acknowledging_a_new_check_costs_one_insert(webhook, guest, django_assert_max_num_queries):
    """Besides django-tenants' per-request SET search_path, the acknowledgement is one INSERT."""
    webhook.post(check_payload("warm-up", guest=guest))  # the connection's signing material is now cached
    with django_assert_max_num_queries(2) as captured:
        response = webhook.post(check_payload("A-2", guest=guest))
    assert response.status_code == 202
    ours = [query["sql"] for query in captured.captured_queries if not query["sql"].startswith("SET search_path")]
    assert len(ours) == 1
    assert ours[0].startswith('INSERT INTO "pos_receipt"')
    assert "ON CONFLICT DO NOTHING" in ours[0]


def test_processing_is_queued_only_after_commit(webhook, guest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook.post(check_payload("A-3", guest=guest))
    assert len(callbacks) == 1
    assert Receipt.objects.get(external_id="A-3").status == ReceiptStatus.RECEIVED


def test_second_delivery_of_same_check_answers_the_stored_result(webhook, guest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook.post(check_payload("A-4", guest=guest))
    stored = Receipt.objects.get(pk=first.json()["receipt_id"])
    assert stored.status == ReceiptStatus.PROCESSED
    again = webhook.post(check_payload("A-4", guest=guest))
    assert again.status_code == 200
    assert again.json() == {
        "receipt_id": stored.pk,
        "status": "processed",
        "duplicate": True,
        "points_earned": stored.points_earned,
        "points_spent": 0,
        "outcome_reason": "",
    }
    assert Receipt.objects.filter(external_id="A-4").count() == 1


def test_same_check_id_with_different_content_is_a_conflict(webhook, guest):
    webhook.post(check_payload("A-5", guest=guest))
    response = webhook.post(check_payload("A-5", guest=guest, points_to_spend=100))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "external_id_reused"
    assert Receipt.objects.filter(external_id="A-5").count() == 1


def test_the_same_check_id_from_another_connection_is_another_receipt(webhook, alpha, guest):
    other, issued = create_connection(actor=alpha.user("owner"), restaurant=alpha.restaurants[1], kind="webhook")
    second = SignedWebhook(connection=other, secret=issued.signing_secret, client=webhook.client)
    assert webhook.post(check_payload("A-6", guest=guest)).status_code == 202
    assert second.post(check_payload("A-6", guest=guest)).status_code == 202
    assert Receipt.objects.filter(external_id="A-6").count() == 2


def test_concurrent_duplicates_store_one_receipt(worlds, django_db_blocker):
    """Eight threads deliver the same check at once, each on its own database connection: one row results.

    No `db` fixture here: the rows must be committed for the other connections to see them; we remove them after.
    """
    world = worlds["alpha"]
    schema = world.chain.schema_name
    restaurant_id = world.restaurants[0].pk
    check = parse_webhook_check(
        check_payload("C-1") | {"guest": {"card": "77001234"}},
        default_currency="RUB",
        zone=zoneinfo.ZoneInfo("Europe/Moscow"),
        normalize_phone=str,
    )
    results: list[object] = []
    barrier = threading.Barrier(8)

    def deliver(connection_id: int) -> None:
        try:
            with schema_context(schema):
                barrier.wait(timeout=10)
                state = receive_check(
                    connection_id=connection_id, restaurant_id=restaurant_id, check=check, source="webhook"
                )
                results.append(state.created)
        except Exception as error:
            results.append(error)
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), schema_context(schema):
        committed = PosConnection.objects.create(restaurant_id=restaurant_id, kind="webhook", name="concurrency")
        try:
            threads = [threading.Thread(target=deliver, args=(committed.pk,)) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            rows = Receipt.objects.filter(connection_id=committed.pk, external_id="C-1").count()
        finally:
            Receipt.objects.filter(connection_id=committed.pk).delete()
            committed.delete()
    assert rows == 1
    assert sorted(map(str, results)) == ["False"] * 7 + ["True"], results
