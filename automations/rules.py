"""The automations' pure rules, numbered (no database):

1. Each automation uses one message template kind (TEMPLATE_KINDS): its own, or the kind messaging already had
   (the level-up message is messaging's "level_changed").
2. Defaults (DEFAULTS): what today's program already sent stays on (birthday, points about to expire, level up);
   the new ones start off. Points about to expire take the program's warning period when their row is made.
3. Win-back (win_back_threshold_days): a guest is due once they have not visited for N days (the chain's N), or,
   in rhythm mode, for their own usual gap × the factor, never less than the floor; the usual gap is the median of
   the gaps between the distinct days they visited in the last year; a guest with fewer than two such days has no
   rhythm yet and takes the chain's N. A guest is won back once per lapse (the occasion is their last visit's day).
4. Birthday (birthday_target): on day D the guests whose birthday falls on D + N are greeted, once a year, with
   the program's birthday bonus (none while the program gives none: the greeting announces it); a 29 February
   birthday is greeted as 28 February in other years, like the program's birthday bonus.
5. Level about to be lost (level_at_risk): in rolling mode, the spend that will still count N days from now (checks
   since that day − the rolling period) no longer reaches the guest's level: warned once per level held.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from automations.models import AutomationKind
from loyalty.rules import LevelSnapshot, level_for_spend

TEMPLATE_KINDS: dict[str, str] = {
    AutomationKind.WELCOME: "welcome",
    AutomationKind.WELCOME_REMINDER: "welcome_reminder",
    AutomationKind.FIRST_VISIT: "first_visit",
    AutomationKind.WIN_BACK: "win_back",
    AutomationKind.BIRTHDAY: "birthday",
    AutomationKind.POINTS_EXPIRING: "points_expiring",
    AutomationKind.LEVEL_UP: "level_changed",
    AutomationKind.LEVEL_AT_RISK: "level_at_risk",
}

# Kinds run by the frequent tick (an event just happened) rather than once a day at DAILY_HOUR.
EVENT_KINDS = (AutomationKind.WELCOME, AutomationKind.FIRST_VISIT, AutomationKind.LEVEL_UP)
DAILY_KINDS = (
    AutomationKind.WELCOME_REMINDER,
    AutomationKind.WIN_BACK,
    AutomationKind.BIRTHDAY,
    AutomationKind.POINTS_EXPIRING,
    AutomationKind.LEVEL_AT_RISK,
)
# Kinds whose `days` is a setting (the others happen when their event does).
KINDS_WITH_DAYS = frozenset(DAILY_KINDS)
# The birthday's bonus is the program's birthday bonus (loyalty settings), not the automation's own.
KINDS_WITH_BONUS = frozenset(set(AutomationKind) - {AutomationKind.BIRTHDAY})


@dataclass(frozen=True)
class AutomationDefaults:
    is_enabled: bool = False
    days: int = 0


DEFAULTS: dict[str, AutomationDefaults] = {
    AutomationKind.WELCOME: AutomationDefaults(),
    AutomationKind.WELCOME_REMINDER: AutomationDefaults(days=7),
    AutomationKind.FIRST_VISIT: AutomationDefaults(),
    AutomationKind.WIN_BACK: AutomationDefaults(days=60),
    AutomationKind.BIRTHDAY: AutomationDefaults(is_enabled=True, days=0),
    AutomationKind.POINTS_EXPIRING: AutomationDefaults(is_enabled=True, days=7),
    AutomationKind.LEVEL_UP: AutomationDefaults(is_enabled=True),
    AutomationKind.LEVEL_AT_RISK: AutomationDefaults(days=14),
}


def win_back_threshold_days(
    *, chain_days: int, median_gap_days: float | None, factor: Decimal | None, floor_days: int
) -> float:
    """Rule 3: days without a visit after which the guest is due (factor None: the chain's fixed N)."""
    if factor is None or median_gap_days is None:
        return float(chain_days)
    return max(float(floor_days), median_gap_days * float(factor))


def birthday_target(today: datetime.date, days_before: int) -> datetime.date:
    """Rule 4: the birthday greeted today."""
    return today + datetime.timedelta(days=days_before)


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def level_at_risk(
    levels: Sequence[LevelSnapshot], current: LevelSnapshot | None, future_spend: Decimal
) -> LevelSnapshot | None:
    """Rule 5: the level the guest would fall to (None: not at risk). A guest with no level has nothing to lose."""
    if current is None:
        return None
    target = level_for_spend(levels, future_spend)
    if target is not None and target.threshold_amount >= current.threshold_amount:
        return None
    return target or LevelSnapshot(id=0, name="", threshold_amount=Decimal(-1), earn_rate_percent=Decimal(0))
