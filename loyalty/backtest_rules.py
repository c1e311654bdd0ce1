"""A backtest's replay: the chain's past checks run through loyalty.rules under two programs at once. Pure.

The service (loyalty.services.backtests) reads the checks of a period in time order and each guest's account as
the period found it; `Replay` feeds every check to both programs (the current one and a draft), guest by guest in
time order, and `Replay.result()` adds them up side by side. The rules of one check are production's:
1. The guest's level at the check is the one their spend reached (up at once after a check crosses a threshold,
   the crossing check earning at the old rate: loyalty.check_plan.level_move); with rolling thresholds the spend
   of the rolling period before the check decides, so a guest also moves down as the nightly run would have moved
   them. The current program starts from the level each guest really had (or the higher one their lifetime spend
   reaches); a draft from the level its thresholds
   give the guest's spend before the period (a guest without any spend yet has no level, as in production, and
   their first check earns at the program's base rate).
2. quote_check quotes the check, with the lines production quoted it with (what the excluded categories and the
   promos on categories read), against the guest's points as that program left them; the guest asks to spend
   what they spent in fact, and the program grants what its limits allow. A promo needing a code applies when the
   check used a code of that promo.
3. Earned points become spendable after the activation delay and expire at the midnight after the last day of
   the expiry period (loyalty.services.ledger.expiry_for); spending takes the soonest-expiring points first.
4. "Redeemable" is the most points the guest could have paid the check with under that program's limits
   (balance, share cap, minimum), whatever they did spend.
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.check_plan import level_move
from loyalty.rules import (
    Check,
    CheckLine,
    LevelSnapshot,
    ProgramSnapshot,
    PromoSnapshot,
    level_for_spend,
    quote_check,
)

ZERO = Decimal(0)
TOP_GUESTS = 10
NO_LEVEL = ""  # the key of guests below every threshold in the per-level figures
CODE = "BACKTEST"  # the code a replayed check "enters" for a promo whose code it used


@dataclass(frozen=True)
class ProgramVersion:
    """One program as the rules see it: settings, levels (by threshold) and promos."""

    program: ProgramSnapshot
    levels: tuple[LevelSnapshot, ...]
    promos: tuple[PromoSnapshot, ...]

    def level(self, level_id: int | None) -> LevelSnapshot | None:
        return next((level for level in self.levels if level.id == level_id), None)


@dataclass(frozen=True)
class ReplayCheck:
    """One applied check of the past. `at` is chain time; `counts` False: read only for the rolling spend before
    the period (a check of the warm-up)."""

    guest_id: int
    restaurant_id: int | None
    at: datetime.datetime
    total_amount: Decimal
    points_spent: int = 0
    code_promo_ids: frozenset[int] = frozenset()
    counts: bool = True
    lines: tuple[CheckLine, ...] = ()  # as production quoted them: excluded categories, promos on categories


@dataclass(frozen=True)
class GuestStart:
    """A guest's account as the period found it."""

    points: int = 0
    spend_amount: Decimal = ZERO  # lifetime spend before the period
    level_id: int | None = None  # the level they really had (the current program's start)
    tags: frozenset[str] = frozenset()


@dataclass
class _Lot:
    points: int
    available_at: datetime.datetime | None  # None: spendable already
    expires_at: datetime.datetime | None  # None: never


@dataclass
class _GuestState:
    lots: list[_Lot]
    spend_amount: Decimal
    level_id: int | None
    window: deque[tuple[datetime.datetime, Decimal]] = field(default_factory=deque)
    window_amount: Decimal = ZERO


@dataclass
class Figures:
    """What one program did over the period (or for one restaurant or level of it)."""

    checks: int = 0
    points_issued: int = 0
    points_redeemable: int = 0
    points_spent: int = 0
    points_expired: int = 0

    def as_json(self, point_value: Decimal) -> dict[str, Any]:
        return {
            "checks": self.checks,
            "points_issued": self.points_issued,
            "points_redeemable": self.points_redeemable,
            "points_spent": self.points_spent,
            "points_expired": self.points_expired,
            "cost_amount": str((point_value * self.points_issued).quantize(Decimal("0.01"))),
        }


def _expiry(at: datetime.datetime, days: int) -> datetime.datetime | None:
    if not days:
        return None
    last_day = at.date() + datetime.timedelta(days=days + 1)
    return datetime.datetime.combine(last_day, datetime.time.min, tzinfo=at.tzinfo)


class ProgramReplay:
    """One program's side of the replay: each guest's points and level, and the figures."""

    def __init__(self, version: ProgramVersion, *, recorded_levels: bool) -> None:
        self.version = version
        self.recorded_levels = recorded_levels
        self.total = Figures()
        self.by_restaurant: dict[int | None, Figures] = {}
        self.by_level: dict[str, Figures] = {}
        self.guests: dict[int, _GuestState] = {}
        self.earned_by_guest: dict[int, int] = {}
        self._rolling = version.program.level_threshold_mode == "rolling"
        self._rolling_days = datetime.timedelta(days=version.program.level_rolling_days)
        self._plain_points = not version.program.expiry_days and not version.program.activation_delay_hours
        self._level_names = {level.id: level.name for level in version.levels}
        self._levels = {level.id: level for level in version.levels}
        # The spend at which a guest on a level (None: none) may move up: the next higher threshold.
        thresholds = sorted(level.threshold_amount for level in version.levels)
        self._next_threshold: dict[int | None, Decimal | None] = {None: thresholds[0] if thresholds else None}
        for level in version.levels:
            self._next_threshold[level.id] = next((t for t in thresholds if t > level.threshold_amount), None)
        self._promos_by_code: dict[frozenset[int], tuple[PromoSnapshot, ...]] = {}

    def _state(self, guest_id: int, start: GuestStart) -> _GuestState:
        state = self.guests.get(guest_id)
        if state is None:
            reached = level_for_spend(self.version.levels, start.spend_amount) if start.spend_amount else None
            if self.recorded_levels:
                level_id = start.level_id
                recorded = self.version.level(level_id)
                # Lifetime thresholds only move up (nightly too): a spend above the recorded level's places higher.
                if (
                    not self._rolling
                    and reached is not None
                    and (recorded is None or reached.threshold_amount > recorded.threshold_amount)
                ):
                    level_id = reached.id
            else:  # a new guest has no level until a check places them
                level_id = reached.id if reached else None
            lots = [_Lot(start.points, None, None)] if start.points > 0 else []
            state = self.guests[guest_id] = _GuestState(lots, start.spend_amount, level_id)
        return state

    def _promos(self, code_promo_ids: frozenset[int]) -> tuple[PromoSnapshot, ...]:
        """The promos, those of the used codes made usable with CODE."""
        promos = self._promos_by_code.get(code_promo_ids)
        if promos is None:
            promos = tuple(
                dataclasses.replace(promo, codes=frozenset({CODE}))
                if promo.codes is not None and promo.id in code_promo_ids
                else promo
                for promo in self.version.promos
            )
            self._promos_by_code[code_promo_ids] = promos
        return promos

    def _available(self, state: _GuestState, at: datetime.datetime) -> tuple[int, int]:
        """(points spendable at `at`, points that expired before it, dropped now)."""
        if self._plain_points:
            return (state.lots[0].points if state.lots else 0), 0
        expired = 0
        kept = []
        available = 0
        for lot in state.lots:
            if lot.expires_at is not None and lot.expires_at <= at:
                expired += lot.points
                continue
            kept.append(lot)
            if lot.available_at is None or lot.available_at <= at:
                available += lot.points
        state.lots = kept
        return available, expired

    def _spend(self, state: _GuestState, points: int, at: datetime.datetime) -> None:
        if self._plain_points:
            state.lots[0].points -= points
            return
        spendable = [lot for lot in state.lots if lot.available_at is None or lot.available_at <= at]
        spendable.sort(key=lambda lot: (lot.expires_at is None, lot.expires_at or at))
        for lot in spendable:
            taken = min(lot.points, points)
            lot.points -= taken
            points -= taken
            if not points:
                break
        state.lots = [lot for lot in state.lots if lot.points > 0]

    def _earn(self, state: _GuestState, points: int, at: datetime.datetime) -> None:
        if self._plain_points:
            if state.lots:
                state.lots[0].points += points
            else:
                state.lots.append(_Lot(points, None, None))
            return
        program = self.version.program
        available_at = at + datetime.timedelta(hours=program.activation_delay_hours)
        state.lots.append(_Lot(points, available_at, _expiry(available_at, program.expiry_days)))

    def _roll_window(self, state: _GuestState, at: datetime.datetime) -> None:
        since = at - self._rolling_days
        while state.window and state.window[0][0] < since:
            state.window_amount -= state.window.popleft()[1]

    def warm_up(self, check: ReplayCheck, start: GuestStart) -> None:
        if self._rolling:
            state = self._state(check.guest_id, start)
            state.window.append((check.at, check.total_amount))
            state.window_amount += check.total_amount

    def replay(self, check: ReplayCheck, start: GuestStart, quoted: Check) -> int:
        """Quote and apply one check of the period (`quoted`: it as loyalty.rules sees it); returns the points it
        earned."""
        version = self.version
        state = self._state(check.guest_id, start)
        if self._rolling:
            self._roll_window(state, check.at)
            if version.levels:  # the nightly run would have placed the guest by this spend
                reached = level_for_spend(version.levels, state.window_amount)
                state.level_id = reached.id if reached else None
        available, expired = self._available(state, check.at)
        quote = quote_check(
            version.program,
            self._levels.get(state.level_id) if state.level_id is not None else None,
            self._promos(check.code_promo_ids) if check.code_promo_ids else version.promos,
            quoted,
            available,
            start.tags,
        )
        level_name = self._level_names.get(state.level_id, NO_LEVEL) if state.level_id is not None else NO_LEVEL
        if quote.spend_points:
            self._spend(state, quote.spend_points, check.at)
        if quote.earn_points:
            self._earn(state, quote.earn_points, check.at)
        state.spend_amount += check.total_amount
        if self._rolling:
            state.window.append((check.at, check.total_amount))
            state.window_amount += check.total_amount
        spend = state.window_amount if self._rolling else state.spend_amount
        next_threshold = self._next_threshold.get(state.level_id)
        if next_threshold is not None and spend >= next_threshold:
            move = level_move(version.levels, level_id=state.level_id, spend=spend)
            if move is not None:
                state.level_id = move.to_level.id
        earned, redeemable, spent = quote.earn_points, quote.max_spend_points, quote.spend_points
        by_restaurant = self.by_restaurant.get(check.restaurant_id)
        if by_restaurant is None:
            by_restaurant = self.by_restaurant[check.restaurant_id] = Figures()
        by_level = self.by_level.get(level_name)
        if by_level is None:
            by_level = self.by_level[level_name] = Figures()
        for figures in (self.total, by_restaurant, by_level):
            figures.checks += 1
            figures.points_issued += earned
            figures.points_redeemable += redeemable
            figures.points_spent += spent
            figures.points_expired += expired
        self.earned_by_guest[check.guest_id] = self.earned_by_guest.get(check.guest_id, 0) + quote.earn_points
        return quote.earn_points

    def level_name_of(self, guest_id: int) -> str:
        state = self.guests.get(guest_id)
        if state is None or state.level_id is None:
            return NO_LEVEL
        return self._level_names.get(state.level_id, NO_LEVEL)

    def guests_per_level(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for guest_id in self.guests:
            name = self.level_name_of(guest_id)
            counts[name] = counts.get(name, 0) + 1
        return counts

    def balance_at_end(self) -> int:
        return sum(lot.points for state in self.guests.values() for lot in state.lots)


class Replay:
    """Both programs over the same checks: feed the checks in time order, then read `result()`."""

    def __init__(self, *, current: ProgramVersion, draft: ProgramVersion, starts: Mapping[int, GuestStart]) -> None:
        self.current = ProgramReplay(current, recorded_levels=True)
        self.draft = ProgramReplay(draft, recorded_levels=False)
        self.starts = starts
        self.checks = 0

    def feed(self, checks: Sequence[ReplayCheck]) -> None:
        empty = GuestStart()
        for check in checks:
            start = self.starts.get(check.guest_id, empty)
            if not check.counts:
                self.current.warm_up(check, start)
                self.draft.warm_up(check, start)
                continue
            quoted = Check(
                total_amount=check.total_amount,
                points_to_spend=check.points_spent,
                at=check.at,
                restaurant_id=check.restaurant_id,
                promo_code=CODE if check.code_promo_ids else "",
                lines=check.lines,
            )
            self.current.replay(check, start, quoted)
            self.draft.replay(check, start, quoted)
            self.checks += 1

    def result(self) -> dict[str, Any]:
        """The figures side by side (money as strings, to the cent), JSON-ready."""
        current, draft = self.current, self.draft
        current_value = current.version.program.point_value_amount
        draft_value = draft.version.program.point_value_amount

        def side(replay: ProgramReplay, value: Decimal) -> dict[str, Any]:
            figures = replay.total.as_json(value)
            figures["redeemable_amount"] = str((value * replay.total.points_redeemable).quantize(Decimal("0.01")))
            figures["balance_at_end"] = replay.balance_at_end()
            figures["guests_per_level"] = replay.guests_per_level()
            return figures

        restaurant_ids = sorted(
            set(current.by_restaurant) | set(draft.by_restaurant), key=lambda pk: (pk is None, pk or 0)
        )
        level_names = [level.name for level in current.version.levels]
        level_names += [level.name for level in draft.version.levels if level.name not in level_names]
        current_per_level, draft_per_level = current.guests_per_level(), draft.guests_per_level()
        no_level_seen = (current_per_level, draft_per_level, current.by_level, draft.by_level)
        if any(NO_LEVEL in counts for counts in no_level_seen) or not level_names:
            level_names.insert(0, NO_LEVEL)
        guest_ids = set(current.earned_by_guest) | set(draft.earned_by_guest)
        changes = heapq.nsmallest(
            TOP_GUESTS,
            ((draft.earned_by_guest.get(pk, 0) - current.earned_by_guest.get(pk, 0), pk) for pk in guest_ids),
            key=lambda item: (-abs(item[0]), item[1]),
        )
        return {
            "checks": self.checks,
            "guests": len(guest_ids),
            "current": side(current, current_value),
            "draft": side(draft, draft_value),
            "restaurants": [
                {
                    "restaurant_id": pk,
                    "current": current.by_restaurant.get(pk, Figures()).as_json(current_value),
                    "draft": draft.by_restaurant.get(pk, Figures()).as_json(draft_value),
                }
                for pk in restaurant_ids
            ],
            "levels": [
                {
                    "level": name,
                    "current": current.by_level.get(name, Figures()).as_json(current_value)
                    | {"guests_at_end": current_per_level.get(name, 0)},
                    "draft": draft.by_level.get(name, Figures()).as_json(draft_value)
                    | {"guests_at_end": draft_per_level.get(name, 0)},
                }
                for name in level_names
            ],
            "most_changed_guests": [
                {
                    "guest_id": pk,
                    "current_points": current.earned_by_guest.get(pk, 0),
                    "draft_points": draft.earned_by_guest.get(pk, 0),
                    "difference": difference,
                    "current_level": current.level_name_of(pk),
                    "draft_level": draft.level_name_of(pk),
                }
                for difference, pk in changes
                if difference
            ],
        }
