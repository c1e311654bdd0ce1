"""Receipts are listed per restaurant with a failed filter; a failed receipt can be run again by an admin."""

from __future__ import annotations

from audit.models import AuditEntry
from pos.models import RejectedAttempt
from pos.services import create_connection
from pos.tests.conftest import SignedWebhook, check_payload, process_everything, receipt
from tests.fixtures import api_as


def test_failed_filter_lists_only_failed_receipts(webhook, guest, alpha, monkeypatch):
    webhook.post(check_payload("L-1", guest=guest))
    process_everything()
    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", lambda items: 1 / 0)
    webhook.post(check_payload("L-2", guest=guest, closed_at="2026-11-25T21:00:00+03:00"))
    process_everything()
    listed = api_as(alpha, "owner").get("/api/v1/pos/receipts?failed=true").json()
    assert [row["external_id"] for row in listed["results"]] == ["L-2"]
    assert "ZeroDivisionError" in listed["results"][0]["last_error"]
    everything = api_as(alpha, "owner").get("/api/v1/pos/receipts").json()
    assert {row["external_id"] for row in everything["results"]} == {"L-1", "L-2"}


def test_rerun_endpoint_processes_a_failed_receipt(
    webhook, guest, alpha, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", lambda items: 1 / 0)
    webhook.post(check_payload("L-3", guest=guest))
    process_everything()
    monkeypatch.undo()
    failed = receipt("L-3")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(alpha, "admin").post(f"/api/v1/pos/receipts/{failed.pk}/rerun")
    assert response.status_code == 202
    assert receipt("L-3").status == "processed"
    assert AuditEntry.objects.filter(action="pos.receipt.rerun", object_id=str(failed.pk)).exists()


def test_rerun_of_a_processed_receipt_is_a_conflict(webhook, guest, alpha):
    webhook.post(check_payload("L-4", guest=guest))
    process_everything()
    response = api_as(alpha, "owner").post(f"/api/v1/pos/receipts/{receipt('L-4').pk}/rerun")
    assert response.status_code == 409


def test_managers_see_only_their_restaurants_receipts_and_cannot_rerun(webhook, alpha):
    other_connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[1], kind="webhook"
    )
    other = SignedWebhook(other_connection, issued.signing_secret, webhook.client)
    webhook.post(check_payload("M-1"))
    other.post(check_payload("M-2"))
    manager = api_as(alpha, "manager")
    listed = manager.get("/api/v1/pos/receipts").json()["results"]
    assert [row["external_id"] for row in listed] == ["M-1"]
    assert manager.get(f"/api/v1/pos/receipts/{receipt('M-2').pk}").status_code == 404
    assert manager.post(f"/api/v1/pos/receipts/{receipt('M-1').pk}/rerun").status_code == 403


def test_receipt_detail_shows_the_payload_as_received(webhook, alpha):
    webhook.post(check_payload("D-1"))
    detail = api_as(alpha, "owner").get(f"/api/v1/pos/receipts/{receipt('D-1').pk}").json()
    assert detail["payload"]["external_id"] == "D-1"
    assert detail["total_amount"] == "1000.00"


def test_rejected_attempts_are_listed_for_admins(webhook, alpha):
    webhook.post(check_payload("J-1"), secret="whsec_bad")
    listed = api_as(alpha, "admin").get("/api/v1/pos/rejected-attempts").json()["results"]
    assert [(row["reason"], row["http_status"]) for row in listed] == [("signature_invalid", 401)]
    assert RejectedAttempt.objects.count() == 1
    assert api_as(alpha, "manager").get("/api/v1/pos/rejected-attempts").status_code == 403
