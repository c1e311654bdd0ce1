"""Level moves: their record (a check's move up, planned by loyalty.check_plan), and the nightly re-evaluation."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty import rules
from loyalty.events import level_changed
from loyalty.models import (
    AppliedCheck,
    LevelChange,
    LevelChangeReason,
    LevelThresholdMode,
    NotificationKind,
    NotificationOutbox,
    PointsAccount,
)
from loyalty.selectors import local_midnight, program_context
from maxloyalty.events import emit_after_commit

BATCH_SIZE = 2000


def record_level_change(
    *,
    guest_id: int,
    from_level: rules.LevelSnapshot | None,
    to_level: rules.LevelSnapshot | None,
    spend_amount: Decimal,
    reason: str,
    now: datetime.datetime,
) -> LevelChange:
    change = LevelChange.objects.create(
        guest_id=guest_id,
        from_level_id=from_level.id if from_level else None,
        to_level_id=to_level.id if to_level else None,
        spend_amount=spend_amount,
        reason=reason,
        changed_at=now,
    )
    NotificationOutbox.objects.create(
        guest_id=guest_id,
        kind=NotificationKind.LEVEL_CHANGED,
        payload={
            "from_level": from_level.name if from_level else None,
            "to_level": to_level.name if to_level else None,
            "is_upgrade": (to_level.threshold_amount if to_level else Decimal(-1))
            > (from_level.threshold_amount if from_level else Decimal(-1)),
        },
        created_at=now,
    )
    return change


def reevaluate_levels(*, today: datetime.date) -> int:
    """Nightly: put every guest on the level their spend earns. Rolling thresholds may move guests down;
    lifetime thresholds only move them up (after thresholds were lowered). Returns how many guests moved."""
    context = program_context()
    if not context.levels:
        return 0
    rolling = context.program.level_threshold_mode == LevelThresholdMode.ROLLING
    rolling_spend: dict[int, Decimal] = {}
    if rolling:
        since = local_midnight(today, context) - datetime.timedelta(days=context.program.level_rolling_days)
        rolling_spend = dict(
            AppliedCheck.objects.filter(checked_at__gte=since, reversed_at__isnull=True)
            .values("guest_id")
            .annotate(total=Sum("total_amount"))
            .values_list("guest_id", "total")
        )
    moved = 0
    last_id = 0
    while True:
        batch = list(
            PointsAccount.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "guest_id", "level_id", "lifetime_spend_amount")[:BATCH_SIZE]
        )
        if not batch:
            break
        last_id = batch[-1][0]
        for account_id, guest_id, level_id, lifetime in batch:
            spend = rolling_spend.get(guest_id, Decimal(0)) if rolling else lifetime
            current = context.level(level_id)
            target = rules.level_for_spend(context.levels, spend)
            if (target.id if target else None) == level_id:
                continue
            is_down = target is None or (current is not None and target.threshold_amount < current.threshold_amount)
            if is_down and not rolling and current is not None:
                continue
            moved += _move_level(account_id, guest_id, current, target, spend)
    return moved


@transaction.atomic
def _move_level(
    account_id: int,
    guest_id: int,
    current: rules.LevelSnapshot | None,
    target: rules.LevelSnapshot | None,
    spend: Decimal,
) -> int:
    """Move one account unless a check moved it meanwhile (compare-and-set on the level it had)."""
    now = timezone.now()
    updated = PointsAccount.objects.filter(pk=account_id, level_id=current.id if current else None).update(  # type: ignore[misc]  # None: no level
        level_id=target.id if target else None, level_since=now, updated_at=now
    )
    if not updated:
        return 0
    change = record_level_change(
        guest_id=guest_id,
        from_level=current,
        to_level=target,
        spend_amount=spend,
        reason=LevelChangeReason.NIGHTLY,
        now=now,
    )
    emit_after_commit(level_changed, sender=LevelChange, changes=[change])
    return 1
