"""An automation's run is set-based like a campaign's batch: N due guests (consenting or not, in either language,
with a bonus each) cost the same statements as two: one read of the due guests, one claim of their log rows, the
messages through messaging.send_to_guests, the bonuses through the ledger's batch grant, one UPDATE of the log."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from automations.models import AutomationSend
from automations.runners import run_automation
from loyalty.models import EntryKind, LedgerEntry
from messaging.models import Message, MessageStatus


def _statements_of_a_run(auto, size: int) -> list[str]:
    guests = [
        auto.guest(language="ru" if number % 2 else "en", consents={} if number % 3 == 2 else None)
        for number in range(size)
    ]
    with CaptureQueriesContext(connection) as captured:
        assert run_automation(kind="welcome", now=timezone.now()) == size
    ids = [guest.pk for guest in guests]
    assert AutomationSend.objects.filter(guest_id__in=ids).exclude(message=None).count() == size
    suppressed = Message.objects.filter(guest_id__in=ids, status=MessageStatus.SUPPRESSED).count()
    bonuses = LedgerEntry.objects.filter(guest_id__in=ids, kind=EntryKind.PROMO_BONUS).count()
    assert bonuses == size - suppressed
    assert AutomationSend.objects.filter(guest_id__in=ids, bonus_points=40).count() == bonuses
    return [query["sql"] for query in captured]


def test_n_due_guests_cost_a_constant_number_of_statements(auto):
    auto.turn_on("welcome", bonus_points=40)
    _statements_of_a_run(auto, 3)  # warm: the automation rows, the program's cache
    small = _statements_of_a_run(auto, 3)
    large = _statements_of_a_run(auto, 30)

    assert len(small) == len(large), "\n".join(query[:150] for query in large)
