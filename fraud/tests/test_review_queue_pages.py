"""The review queue's pages: owners and admins list flags with filters, read the evidence, dismiss, freeze,
unfreeze and reverse chosen operations, each audited; managers and cashiers are refused; chains see only their own."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from fraud.models import FlagStatus, FraudFlag
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import adjust_points
from tests.fixtures import signed_in_client


def _audited(flag: FraudFlag) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="fraud.fraudflag", object_id=str(flag.pk)).values_list(
            "action", flat=True
        )
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_see_the_queue_and_the_evidence(alpha, velocity_flag, role):
    client = signed_in_client(alpha, role)
    listing = client.get("/fraud/")
    assert listing.status_code == 200
    assert f'data-testid="flag-{velocity_flag.pk}"' in listing.content.decode()
    detail = client.get(f"/fraud/{velocity_flag.pk}/").content.decode()
    assert "Too many checks in an hour" in detail
    assert "504.00" in detail  # the fifth check's amount, in the evidence table


def test_the_queue_filters_by_status_and_rule(alpha, velocity_flag):
    client = signed_in_client(alpha, "owner")
    assert f"flag-{velocity_flag.pk}" in client.get("/fraud/?status=open&rule=velocity").content.decode()
    assert f"flag-{velocity_flag.pk}" not in client.get("/fraud/?status=dismissed").content.decode()
    assert f"flag-{velocity_flag.pk}" not in client.get("/fraud/?rule=distance").content.decode()


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_are_refused_and_change_nothing(alpha, velocity_flag, role):
    client = signed_in_client(alpha, role)
    assert client.get("/fraud/").status_code == 403
    assert client.get(f"/fraud/{velocity_flag.pk}/").status_code == 403
    assert client.post(f"/fraud/{velocity_flag.pk}/freeze/").status_code == 403
    assert client.post(f"/fraud/{velocity_flag.pk}/dismiss/").status_code == 403
    velocity_flag.refresh_from_db()
    assert velocity_flag.status == FlagStatus.OPEN
    assert PointsAccount.objects.get(guest=velocity_flag.guest).frozen_at is None


def test_dismissing_closes_the_flag_with_the_note_and_is_audited(alpha, velocity_flag):
    client = signed_in_client(alpha, "owner")
    response = client.post(f"/fraud/{velocity_flag.pk}/dismiss/", {"note": "a birthday party"})
    assert response.status_code == 302
    velocity_flag.refresh_from_db()
    assert (velocity_flag.status, velocity_flag.review_note) == (FlagStatus.DISMISSED, "a birthday party")
    assert "fraud.flag_dismissed" in _audited(velocity_flag)


def test_freezing_and_unfreezing_from_the_page_are_audited(alpha, velocity_flag):
    client = signed_in_client(alpha, "admin")
    client.post(f"/fraud/{velocity_flag.pk}/freeze/", {"note": "checking"})
    assert PointsAccount.objects.get(guest=velocity_flag.guest).frozen_at is not None
    assert "points frozen" in client.get(f"/fraud/{velocity_flag.pk}/").content.decode()
    client.post(f"/fraud/{velocity_flag.pk}/unfreeze/")
    assert PointsAccount.objects.get(guest=velocity_flag.guest).frozen_at is None
    assert {"fraud.guest_frozen", "fraud.guest_unfrozen"} <= set(_audited(velocity_flag))


def test_reversing_chosen_operations_takes_their_points_back_once(alpha, velocity_flag):
    guest = velocity_flag.guest
    before = PointsAccount.objects.get(guest=guest).available
    chosen = velocity_flag.evidence["entry_ids"][:2]
    points = sum(LedgerEntry.objects.filter(pk__in=chosen).values_list("points", flat=True))
    client = signed_in_client(alpha, "owner")
    client.post(f"/fraud/{velocity_flag.pk}/reverse/", {"entry_ids": chosen, "note": "not theirs"})
    client.post(f"/fraud/{velocity_flag.pk}/reverse/", {"entry_ids": chosen})  # again: nothing more
    assert PointsAccount.objects.get(guest=guest).available == before - points
    reversals = LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REVERSAL)
    assert sorted(reversals.values_list("reverses_id", flat=True)) == sorted(chosen)
    assert "fraud.entries_reversed" in _audited(velocity_flag)
    assert AuditEntry.objects.filter(action="points.reversed", object_id=str(guest.pk)).count() == 2
    velocity_flag.refresh_from_db()
    assert velocity_flag.status == FlagStatus.ACTIONED


def test_an_operation_the_flag_does_not_name_is_not_reversed(alpha, velocity_flag):
    other = adjust_points(
        guest=velocity_flag.guest, points=300, reason="goodwill", actor=None, idempotency_key="not-in-flag"
    )
    response = signed_in_client(alpha, "owner").post(f"/fraud/{velocity_flag.pk}/reverse/", {"entry_ids": [other.pk]})
    assert response.status_code == 422
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_another_chains_owner_finds_no_flag_of_this_chain(alpha, beta, velocity_flag):
    client = signed_in_client(beta, "owner")
    assert client.get(f"/fraud/{velocity_flag.pk}/").status_code == 404
    assert client.post(f"/fraud/{velocity_flag.pk}/freeze/").status_code == 404
    assert f"flag-{velocity_flag.pk}" not in client.get("/fraud/").content.decode()
    with schema_context(alpha.chain.schema_name):
        velocity_flag.refresh_from_db()
        assert velocity_flag.status == FlagStatus.OPEN


def test_the_owner_sets_the_thresholds_and_the_change_is_audited(alpha):
    client = signed_in_client(alpha, "owner")
    assert client.get("/fraud/settings/").status_code == 200
    form = {
        "is_enabled": "on",
        "max_checks_per_hour": "6",
        "max_speed_kmh": "100",
        "same_amount_repeats": "3",
        "same_amount_window_hours": "24",
        "cashier_share_factor": "3",
        "cashier_min_checks": "20",
        "cashier_window_days": "30",
        "registrations_without_visit": "10",
        "registration_window_days": "30",
        "alert_email": "",
    }
    assert client.post("/fraud/settings/", form).status_code == 302
    from fraud.selectors import fraud_settings

    assert fraud_settings().max_checks_per_hour == 6
    assert AuditEntry.objects.filter(action="fraud.settings_changed").exists()
