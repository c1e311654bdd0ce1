"""Running the automations: for each kind, the guests due now (automations.selectors) are written to through
messaging.services.send_templated (which picks the channel among the automation's, and applies consent, quiet hours
and the caps) and given the automation's bonus through the loyalty services.

Once per guest and occasion: each guest is claimed by inserting the automation's log row (unique per kind, guest
and occasion) in the transaction that sends and grants; a rerun finds it, a concurrent worker waits for it and then
skips; the message's dedupe key and the grant's idempotency key are the same `automation:<kind>:<guest>:<occasion>`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from automations import rules
from automations.models import Automation, AutomationKind, AutomationSend
from automations.selectors import (
    Due,
    already_sent,
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
from loyalty.services import grant_program_bonus
from messaging.models import MessageStatus
from messaging.services import send_templated
from messaging.templating import points_text


def occasion_key(kind: str, guest_id: int, occasion: str) -> str:
    return f"automation:{kind}:{guest_id}:{occasion}"


def _template_values(guest: Guest, values: dict[str, object], bonus_points: int) -> dict[str, str]:
    """The kind's variables as the guest reads them (numbers grouped, dates in their language)."""
    shown: dict[str, str] = {"bonus_points": points_text(bonus_points) if bonus_points else ""}
    with translation.override(guest.language):
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


@transaction.atomic
def _write(row: Automation, due: Due, context: ProgramContext, now: datetime.datetime) -> bool:
    """One guest's message (and bonus) for one occasion; False when it was written before (or is being written by
    another worker, which then wins) or the guest is no longer there."""
    guest = Guest.objects.select_related("home_restaurant").filter(pk=due.guest_id).first()
    if guest is None:
        return False
    try:
        with transaction.atomic():
            send = AutomationSend.objects.create(kind=row.kind, guest=guest, occasion=due.occasion, created_at=now)
    except IntegrityError:
        return False
    key = occasion_key(row.kind, guest.pk, due.occasion)
    points = _bonus(row, context)
    if row.kind == AutomationKind.BIRTHDAY and points:
        # The program's birthday bonus under the program's own key: the nightly grant (loyalty) and this one are
        # one grant, whichever comes first; granted before the message so its balance includes it.
        grant_program_bonus(
            guest=guest,
            points=points,
            kind=EntryKind.BIRTHDAY,
            idempotency_key=f"birthday:{guest.pk}:{due.occasion}",
            reason=str(_("Birthday bonus")),
        )
    message = send_templated(
        guest=guest,
        kind=rules.TEMPLATE_KINDS[row.kind],
        dedupe_key=key,
        extra_context=_template_values(guest, due.values, points),
        allowed_channels=row.channels,
        now=now,
    )
    send.message = message
    if row.kind != AutomationKind.BIRTHDAY and points and message.status != MessageStatus.SUPPRESSED:
        grant_program_bonus(
            guest=guest,
            points=points,
            kind=EntryKind.PROMO_BONUS,
            idempotency_key=key,
            reason=_("Automation “%(name)s”") % {"name": row.get_kind_display()},
        )
        send.bonus_points = points
    send.save(update_fields=["message", "bonus_points"])
    return True


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
    to now. Each guest in a transaction of their own: a crash halfway leaves the written ones written."""
    row = automations()[kind]
    if not row.is_enabled:
        return 0
    now = now or timezone.now()
    context = program_context()
    written = 0
    for batch in _due(row, context, now):
        done = already_sent(row.kind, batch)
        for due in batch:
            if (due.guest_id, due.occasion) not in done:
                written += _write(row, due, context, now)
    return written


def run_event_automations(*, now: datetime.datetime | None = None) -> int:
    """The automations answering an event (a registration, a first visit, a level won): every few minutes."""
    return sum(run_automation(kind=kind, now=now) for kind in rules.EVENT_KINDS)


def run_daily_automations(*, now: datetime.datetime | None = None) -> int:
    """The automations of a day (reminders, win-back, birthdays, expiry, levels at risk): once a day."""
    return sum(run_automation(kind=kind, now=now) for kind in rules.DAILY_KINDS)
