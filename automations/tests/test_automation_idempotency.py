"""Once per guest and occasion: a rerun, or two workers running the same automation at the same moment, send one
message and give one bonus."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from automations.models import Automation, AutomationSend
from automations.runners import run_automation
from automations.selectors import automations
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import guest_balance
from loyalty.tests.conftest import _delete_guest_rows
from loyalty.tests.connections import in_own_connection
from messaging.models import Message, MessagingSettings
from messaging.selectors import messaging_settings

WORKERS = 4


def test_a_rerun_sends_nothing_and_gives_no_second_bonus(auto):
    auto.turn_on("first_visit", bonus_points=150)
    guest = auto.guest()
    auto.visit(guest, timezone.now())
    before = guest_balance(guest=guest).available

    assert auto.run("first_visit") == 1
    assert auto.run("first_visit") == 0

    assert len(auto.inbox()) == 1
    assert guest_balance(guest=guest).available == before + 150
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.PROMO_BONUS).count() == 1


def _committed_world() -> tuple[int, dict[str, object]]:
    """A welcome automation with a bonus, no quiet hours, and one new guest consenting to email: committed. Returns
    the guest and what the chain's rows were before (put back by _clean)."""
    from guests.services import create_guest
    from messaging.tests.conftest import next_phone

    before = {
        "automations": list(Automation.objects.values()),
        "messaging": list(MessagingSettings.objects.values()),
    }
    automations()
    Automation.objects.filter(kind="welcome").update(is_enabled=True, channels=["email"], bonus_points=50)
    messaging_settings()
    MessagingSettings.objects.filter(pk=1).update(quiet_hours_start=None, quiet_hours_end=None)
    guest = create_guest(
        access=None, phone=next_phone(), email="twice@example.com", consents={"email": True}, language="en"
    )
    return guest.pk, before


def _clean(guest_id: int, before: dict[str, object]) -> None:
    with connection.cursor() as cursor:
        for table in ("automations_automationsend", "telegram_bot_delivery", "messaging_message"):
            cursor.execute(f"DELETE FROM {table} WHERE guest_id = %s", [guest_id])  # noqa: S608
    Automation.objects.all().delete()
    Automation.objects.bulk_create([Automation(**row) for row in before["automations"]])
    MessagingSettings.objects.all().delete()
    MessagingSettings.objects.bulk_create([MessagingSettings(**row) for row in before["messaging"]])
    _delete_guest_rows(guest_id, had_settings=True)


def test_two_workers_at_once_send_one_message_and_one_bonus(alpha):
    schema = alpha.chain.schema_name
    guest_id, before = in_own_connection(schema, _committed_world)
    start = threading.Barrier(WORKERS)

    def run(_number: int) -> int:
        try:
            start.wait()
            with schema_context(schema):
                return run_automation(kind="welcome")
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            written = list(pool.map(run, range(WORKERS)))

        def outcome() -> tuple[int, int, int]:
            return (
                AutomationSend.objects.filter(guest_id=guest_id).count(),
                Message.objects.filter(guest_id=guest_id, kind="welcome").count(),
                LedgerEntry.objects.filter(guest_id=guest_id, kind=EntryKind.PROMO_BONUS).count(),
            )

        assert sum(written) == 1
        assert in_own_connection(schema, outcome) == (1, 1, 1)
    finally:
        in_own_connection(schema, lambda: _clean(guest_id, before))
