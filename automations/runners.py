"""Running the automations at campaign speed: for each kind, the guests due now (automations.selectors, a batch at a
time) are claimed, given the automation's bonus and written to in a number of statements that does not grow with
the batch:

1. the batch's log rows (unique per kind, guest and occasion) are inserted in one INSERT ... ON CONFLICT DO NOTHING
   RETURNING: the rows returned are this run's to write; a rerun gets none back, and a concurrent worker's insert
   waits for the first one's transaction and then gets none back either;
2. the birthday bonus (the program's, under the program's own key, so the nightly grant and this one are one grant)
   goes first, in one batch (loyalty.services.grant_program_bonuses), so the greeting's balance includes it;
3. the messages go through messaging.services.send_to_guests with the kind's template (the chain's or the default,
   in each guest's language), which picks the channel among the automation's and applies consent, quiet hours and
   the caps (they are marketing), exactly as for one guest;
4. the other kinds' bonus goes, in one batch, to the guests whose message was not suppressed, and the log rows are
   written their message and bonus in one UPDATE.

A batch is one transaction: a crash rolls it back whole and the next run does it again. The message's dedupe key
and the grant's idempotency key are the same `automation:<kind>:<guest>:<occasion>`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from automations import rules
from automations.models import Automation, AutomationKind, AutomationSend
from automations.selectors import (
    Due,
    automations,
    birthday_due,
    first_visit_due,
    level_at_risk_due,
    level_up_due,
    points_expiring_due,
    welcome_due,
    welcome_reminder_due,
    win_back_due,
)
from guests.models import Guest
from loyalty.models import EntryKind
from loyalty.selectors import ProgramContext, program_context
from loyalty.services import BonusGrant, grant_program_bonuses
from maxloyalty.db.set_based_writes import update_rows
from messaging.models import Message, MessageStatus
from messaging.services import GuestSend, send_to_guests, templated_content
from messaging.templating import points_text

# Claim a batch: the rows that come back are this run's (a row inserted before, or by a concurrent worker whose
# insert this one waits for, is not returned). A guest gone since the batch was read is not claimed.
_CLAIM_SQL = f"""
INSERT INTO {AutomationSend._meta.db_table} (kind, guest_id, occasion, bonus_points, created_at)
SELECT %(kind)s, due.guest_id, due.occasion, 0, %(now)s
FROM unnest(%(guests)s::bigint[], %(occasions)s::text[]) AS due(guest_id, occasion)
JOIN {Guest._meta.db_table} guest ON guest.id = due.guest_id
ORDER BY due.guest_id, due.occasion
ON CONFLICT ON CONSTRAINT automations_automationsend_occasion_unique DO NOTHING
RETURNING id, guest_id, occasion
"""  # noqa: S608  # table names are constants; values are parameters


def occasion_key(kind: str, guest_id: int, occasion: str) -> str:
    return f"automation:{kind}:{guest_id}:{occasion}"


def _template_values(language: str, values: dict[str, object], bonus_points: int) -> dict[str, str]:
    """The kind's variables as the guest reads them (numbers grouped, dates in their language)."""
    shown: dict[str, str] = {"bonus_points": points_text(bonus_points) if bonus_points else ""}
    with translation.override(language):
        for name, value in values.items():
            if isinstance(value, datetime.date):
                shown[name] = formats.date_format(value, "DATE_FORMAT")
            elif isinstance(value, int):
                shown[name] = points_text(value)
            else:
                shown[name] = str(value)
    return shown


def _bonus(row: Automation, context: ProgramContext) -> int:
    if row.kind == AutomationKind.BIRTHDAY:
        return context.program.birthday_bonus_points
    return row.bonus_points if row.kind in rules.KINDS_WITH_BONUS else 0


def _claim(row: Automation, batch: list[Due], now: datetime.datetime) -> dict[tuple[int, str], int]:
    """Insert the batch's log rows (one statement); the ones inserted now: (guest, occasion) → row id."""
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL,
            {
                "kind": row.kind,
                "now": now,
                "guests": [due.guest_id for due in batch],
                "occasions": [due.occasion for due in batch],
            },
        )
        return {(guest_id, occasion): send_id for send_id, guest_id, occasion in cursor.fetchall()}


def _rounds(dues: list[Due]) -> Iterator[list[Due]]:
    """The dues split so that no guest is in a round twice (a guest's content is made by guest: two level moves of
    one guest in a batch go in two rounds, the second seeing the first in the caps). Usually one round."""
    left = dues
    while left:
        seen: set[int] = set()
        now_round: list[Due] = []
        later: list[Due] = []
        for due in left:
            (later if due.guest_id in seen else now_round).append(due)
            seen.add(due.guest_id)
        yield now_round
        left = later


def _send(row: Automation, dues: list[Due], points: int, now: datetime.datetime) -> dict[str, Message]:
    """The dues' messages through send_to_guests, each rendered from the kind's template in the guest's language
    (messaging.services.templated_content: the template read once per language) with the guest's own values. The
    messages by dedupe key."""
    values: dict[int, dict[str, object]] = {}
    content_for = templated_content(
        rules.TEMPLATE_KINDS[row.kind],
        lambda guest: _template_values(guest.language, values[guest.pk], points),
    )
    messages: dict[str, Message] = {}
    for dues_round in _rounds(dues):
        values.clear()
        values.update({due.guest_id: due.values for due in dues_round})
        messages |= send_to_guests(
            sends=[
                GuestSend(guest_id=due.guest_id, dedupe_key=occasion_key(row.kind, due.guest_id, due.occasion))
                for due in dues_round
            ],
            kind=rules.TEMPLATE_KINDS[row.kind],
            content_for=content_for,
            allowed_channels=row.channels,
            now=now,
        )
    return messages


@transaction.atomic
def _write_batch(row: Automation, batch: list[Due], context: ProgramContext, now: datetime.datetime) -> int:
    """One batch of due guests: claimed, granted and written to (module docstring); how many were claimed now."""
    if not batch:
        return 0
    claimed = _claim(row, batch, now)
    dues = [due for due in batch if (due.guest_id, due.occasion) in claimed]
    if not dues:
        return 0
    points = _bonus(row, context)
    if row.kind == AutomationKind.BIRTHDAY and points:
        grant_program_bonuses(
            grants=[BonusGrant(due.guest_id, points, f"birthday:{due.guest_id}:{due.occasion}") for due in dues],
            kind=EntryKind.BIRTHDAY,
            reason=str(_("Birthday bonus")),
        )
    messages = _send(row, dues, points, now)
    sends = []
    for due in dues:
        message = messages.get(occasion_key(row.kind, due.guest_id, due.occasion))  # None: the guest is gone
        send = AutomationSend(pk=claimed[(due.guest_id, due.occasion)], guest_id=due.guest_id, message=message)
        send.occasion = due.occasion
        sends.append(send)
    if row.kind != AutomationKind.BIRTHDAY and points:
        # The bonus goes with a message that was let through (not to a guest without consent, or over the caps).
        granted = [
            send for send in sends if send.message is not None and send.message.status != MessageStatus.SUPPRESSED
        ]
        grant_program_bonuses(
            grants=[
                BonusGrant(send.guest_id, points, occasion_key(row.kind, send.guest_id, send.occasion))
                for send in granted
            ],
            kind=EntryKind.PROMO_BONUS,
            reason=_("Automation “%(name)s”") % {"name": row.get_kind_display()},
        )
        for send in granted:
            send.bonus_points = points
    update_rows(AutomationSend, sends, ["message", "bonus_points"])
    return len(dues)


def _due(row: Automation, context: ProgramContext, now: datetime.datetime) -> Iterator[list[Due]]:
    today = now.astimezone(context.zone).date()  # the chain's day
    if row.kind == AutomationKind.WELCOME:
        return welcome_due(now=now)
    if row.kind == AutomationKind.WELCOME_REMINDER:
        return welcome_reminder_due(now=now, days=row.days)
    if row.kind == AutomationKind.FIRST_VISIT:
        return first_visit_due(now=now)
    if row.kind == AutomationKind.WIN_BACK:
        return win_back_due(now=now, row=row, context=context)
    if row.kind == AutomationKind.BIRTHDAY:
        # The greeting announces the program's birthday bonus (its template says how many points were added).
        return birthday_due(today=today, days=row.days) if context.program.birthday_bonus_points else iter(())
    if row.kind == AutomationKind.POINTS_EXPIRING:
        return points_expiring_due(today=today, days=row.days, context=context)
    if row.kind == AutomationKind.LEVEL_UP:
        return level_up_due(now=now, context=context)
    return level_at_risk_due(today=today, days=row.days, context=context)


def run_automation(*, kind: str, now: datetime.datetime | None = None) -> int:
    """Write to every guest the automation `kind` is due for now (nothing while it is off); how many were written
    to now. Each batch of due guests in a transaction of its own: a crash halfway leaves the written batches
    written."""
    row = automations()[kind]
    if not row.is_enabled:
        return 0
    now = now or timezone.now()
    context = program_context()
    return sum(_write_batch(row, batch, context, now) for batch in _due(row, context, now))


def run_event_automations(*, now: datetime.datetime | None = None) -> int:
    """The automations answering an event (a registration, a first visit, a level won): every few minutes."""
    return sum(run_automation(kind=kind, now=now) for kind in rules.EVENT_KINDS)


def run_daily_automations(*, now: datetime.datetime | None = None) -> int:
    """The automations of a day (reminders, win-back, birthdays, expiry, levels at risk): once a day."""
    return sum(run_automation(kind=kind, now=now) for kind in rules.DAILY_KINDS)
