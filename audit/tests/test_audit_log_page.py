"""The audit log: filterable page and CSV export for owners and admins, purged after the retention period."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import purge_expired_entries, record_audit
from tests.fixtures import signed_in_client


@pytest.fixture
def entries(alpha):
    record_audit(
        action="guest.updated",
        actor=alpha.user("manager"),
        target=alpha.restaurants[0],
        changes={"name": ["Old", "New"]},
    )
    record_audit(action="staff.granted", actor=alpha.user("owner"), target=alpha.user("cashier"))
    return alpha


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 403), ("cashier", 403)])
def test_audit_page_is_for_owners_and_admins(entries, role, status):
    assert signed_in_client(entries, role).get("/audit/").status_code == status


def test_audit_page_shows_who_what_and_old_to_new(entries):
    page = signed_in_client(entries, "owner").get("/audit/").content.decode()
    assert "manager@alpha.test" in page
    assert "guest.updated" in page
    assert "Old → New" in page


def test_audit_page_filters_by_action_and_user(entries):
    client = signed_in_client(entries, "owner")
    by_action = client.get("/audit/?action=staff").content.decode()
    assert "staff.granted" in by_action
    assert "guest.updated" not in by_action
    by_user = client.get(f"/audit/?actor={entries.user('manager').pk}").content.decode()
    assert "guest.updated" in by_user
    assert "staff.granted" not in by_user


def test_audit_export_streams_csv_of_the_filtered_entries(entries):
    response = signed_in_client(entries, "admin").get("/audit/export.csv?action=guest")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("time,who,action")
    assert len(lines) == 2
    assert "guest.updated" in lines[1]


def test_entries_past_retention_are_purged_and_recent_ones_kept(alpha, settings):
    settings.AUDIT_RETENTION_DAYS = 90
    old = record_audit(action="old.thing", actor=None)
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    recent = record_audit(action="recent.thing", actor=None)
    assert purge_expired_entries() == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


def test_audit_entry_keeps_the_client_address_and_request_id(alpha):
    signed_in_client(alpha, "owner").post(
        "/settings/",
        {"name": "Alpha Prime", "time_zone": "Europe/Moscow", "default_language": "ru", "currency": "RUB"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-audit-0001",
    )
    entry = AuditEntry.objects.get(action="chain.profile_changed")
    assert entry.ip_address == "10.1.2.3"
    assert entry.request_id == "req-audit-0001"
    assert entry.changes == {"name": ["Alpha", "Alpha Prime"]}


def test_audit_dates_are_whole_days_in_the_chains_time_zone(alpha):
    zone = zoneinfo.ZoneInfo(alpha.chain.time_zone)
    assert zone.utcoffset(datetime(2026, 3, 11)) > timedelta(hours=1)  # east of UTC: the 11th starts on the 10th
    early = record_audit(action="early.morning", actor=None)
    AuditEntry.objects.filter(pk=early.pk).update(created_at=datetime(2026, 3, 11, 0, 30, tzinfo=zone))
    client = signed_in_client(alpha, "owner")
    assert "early.morning" in client.get("/audit/?since=2026-03-11&until=2026-03-11").content.decode()
    assert "early.morning" not in client.get("/audit/?until=2026-03-10").content.decode()
    assert "early.morning" not in client.get("/audit/?since=2026-03-12").content.decode()
