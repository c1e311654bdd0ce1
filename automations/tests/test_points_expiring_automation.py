"""Points about to expire: a guest whose points expire within the automation's days is told once how many and
until when; points expiring later are not announced yet. (This replaced loyalty's nightly warning.)"""

from __future__ import annotations

import datetime

from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import chain_today, program_context
from loyalty.services import accrue_points, update_program_settings
from loyalty.services.ledger import expiry_for


def _lot(guest, points, days_ago):
    entry = accrue_points(guest=guest, points=points, kind=EntryKind.ACCRUAL, idempotency_key=f"lot:{guest.pk}")
    moved = entry.created_at - datetime.timedelta(days=days_ago)
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=moved, available_at=moved, expires_at=expiry_for(moved, program_context())
    )


def test_points_expiring_within_the_days_are_announced_once(auto):
    update_program_settings(actor=None, changes={"expiry_days": 30})
    auto.turn_on("points_expiring", days=7)
    soon = auto.guest()
    _lot(soon, 120, days_ago=25)  # last day: in 5 days
    later = auto.guest()
    _lot(later, 80, days_ago=10)

    assert auto.run("points_expiring") == 1
    assert auto.run("points_expiring") == 0
    assert auto.inbox() == [(soon.email, "Your points at Alpha are about to expire")]
    [request] = auto.email.requests
    text = next(part["value"] for part in request.json["content"] if part["type"] == "text/plain")
    assert text.startswith("120 points expire after")
    assert str((chain_today() + datetime.timedelta(days=5)).day) in text


def test_a_program_without_expiry_announces_nothing(auto):
    auto.turn_on("points_expiring", days=7)
    _lot(auto.guest(), 120, days_ago=25)

    assert auto.run("points_expiring") == 0
