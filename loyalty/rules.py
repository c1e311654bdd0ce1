"""What a check earns and what can be spent on it: pure calculation, no database.

The cashier page, the POS pipeline, the API's /quote and loyalty.services.apply_check all call quote_check, so
they cannot disagree. Inputs are plain snapshots (selectors build them from the models).

How a quote is computed:
1. The base amount: the check's lines outside the excluded categories (their share of the check total when the
   check has lines), per the program's EarnBase; PAID_AMOUNT also leaves out the money paid with points.
2. Base points = base amount × earn rate (the level's, else the program's) / 100 / money value of one point.
3. Promos that match the check (dates, weekdays, hours, restaurant, level, guest tags, promo code) add points:
   a multiplier adds base points of the promo's scope (its categories, or the whole base) × (multiplier − 1);
   a fixed bonus adds its points. Combination rule: among `best_of` promos only the one giving the most points
   applies (ties: the lowest id); every `stackable` promo adds on top of that winner and of each other.
4. Each part (base, each promo) is rounded on its own with the program's rounding rule, so the ledger entries
   written for them add up to exactly earn_points.
5. The most that can be spent: the guest's available points, capped by the share of the check payable with points
   (the level's cap, else the program's) converted at the point value; below the minimum per redemption it is 0.
   The requested points are granted up to that figure; each limit that cut them is named in `refusals`.
6. What is left to pay in money: the check total less the points spent at the point value, to the cent
   (`payable_amount`); the till, the API's quote and anyone else read it from the quote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cached_property

from django.utils.translation import ngettext

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_ROUNDING_MODES = {"down": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "up": ROUND_CEILING}


@dataclass(frozen=True)
class CheckLine:
    sku: str
    name: str
    category: str
    quantity: Decimal
    price: Decimal  # per unit, before the line's discount
    discount: Decimal = ZERO  # money off the whole line

    # Worked out once per line (a backtest quotes the same parsed line for many checks, twice each).
    @cached_property
    def gross_amount(self) -> Decimal:
        return self.price * self.quantity

    @cached_property
    def net_amount(self) -> Decimal:
        return max(self.gross_amount - self.discount, ZERO)

    def as_row(self) -> list[str]:
        """The line as an applied check keeps it for the backtest: what the rules read, without the name."""
        return [self.sku, self.category, str(self.quantity), str(self.price), str(self.discount)]

    @classmethod
    def from_row(cls, row: Sequence[str]) -> CheckLine:
        sku, category, quantity, price, discount = row
        return cls(
            sku=sku,
            name="",
            category=category,
            quantity=Decimal(quantity),
            price=Decimal(price),
            discount=Decimal(discount),
        )


@dataclass(frozen=True)
class Check:
    """A check as the till sees it. total_amount is what the guest owes after discounts, before paying in points."""

    total_amount: Decimal
    currency: str = "RUB"
    lines: tuple[CheckLine, ...] = ()
    points_to_spend: int = 0
    at: datetime | None = None  # local time of the check (the restaurant's or chain's zone); None: now
    restaurant_id: int | None = None
    promo_code: str = ""


@dataclass(frozen=True)
class ProgramSnapshot:
    base_earn_rate_percent: Decimal = Decimal(5)
    rounding: str = "down"
    earn_base: str = "paid_amount"
    excluded_categories: frozenset[str] = frozenset()
    min_redeem_points: int = 0
    max_redeem_share_percent: Decimal = Decimal(50)
    point_value_amount: Decimal = Decimal(1)
    # Not used by quote_check, but part of the same cached snapshot for the services:
    activation_delay_hours: int = 0
    expiry_days: int = 0
    expiry_warning_days: int = 7
    level_threshold_mode: str = "lifetime"
    level_rolling_days: int = 365
    undo_window_minutes: int = 15
    manager_adjustment_limit: int = 500
    cashier_grant_limit: int = 0
    welcome_bonus_points: int = 0
    birthday_bonus_points: int = 0
    birthday_window_days_before: int = 0
    birthday_window_days_after: int = 0
    referral_bonus_points: int = 0
    referred_bonus_points: int = 0
    referral_min_check_amount: Decimal = Decimal(0)
    referral_max_per_guest: int = 10

    @property
    def pays_referrals(self) -> bool:
        return bool(self.referral_bonus_points or self.referred_bonus_points)


@dataclass(frozen=True)
class LevelSnapshot:
    id: int
    name: str
    threshold_amount: Decimal
    earn_rate_percent: Decimal
    redemption_cap_percent: Decimal | None = None


@dataclass(frozen=True)
class PromoSnapshot:
    id: int
    name: str
    multiplier: Decimal | None = None
    bonus_points: int = 0
    combination: str = "best_of"
    starts_on: date | None = None
    ends_on: date | None = None
    weekdays: frozenset[int] = frozenset()  # ISO: 1 = Monday; empty: every day
    starts_at_time: time | None = None
    ends_at_time: time | None = None  # a range past midnight (22:00–02:00) is allowed
    restaurant_ids: frozenset[int] = frozenset()
    level_ids: frozenset[int] = frozenset()
    guest_tags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    codes: frozenset[str] | None = None  # None: no code needed; else the codes (upper case) usable by this guest


@dataclass(frozen=True)
class AppliedPromo:
    promo_id: int
    name: str
    points: int


@dataclass(frozen=True)
class Refusal:
    """Why fewer points than requested may be spent: `code` names the limit, `limit` its figure."""

    code: str
    message: str
    limit: int | str | None = None


@dataclass(frozen=True)
class Quote:
    earn_points: int
    base_points: int
    max_spend_points: int
    spend_points: int  # of the requested points_to_spend, what may be spent
    applied_promos: tuple[AppliedPromo, ...] = ()
    refusals: tuple[Refusal, ...] = field(default=())
    base_amount: Decimal = ZERO
    payable_amount: Decimal = ZERO  # the check total less the money paid with the spent points (rule 6)

    @property
    def refused_reason(self) -> str:
        return "; ".join(refusal.message for refusal in self.refusals)


def max_share_text(percent: Decimal, points: int) -> str:
    """Why no more points may pay (the quote and the ledger's refusal say it alike)."""
    return ngettext(
        "Points may pay at most %(percent)s%% of the check (%(points)d point).",
        "Points may pay at most %(percent)s%% of the check (%(points)d points).",
        points,
    ) % {"percent": f"{percent.normalize():f}", "points": points}


def min_points_text(points: int) -> str:
    return ngettext(
        "At least %(points)d point per redemption.", "At least %(points)d points per redemption.", points
    ) % {"points": points}


def round_points(value: Decimal, rule: str) -> int:
    if value <= 0:
        return 0
    return int(value.quantize(Decimal(1), rounding=_ROUNDING_MODES.get(rule, ROUND_FLOOR)))


def points_for_amount(amount: Decimal, point_value_amount: Decimal) -> int:
    """How many whole points pay for `amount` of money (never more than the amount)."""
    if amount <= 0:
        return 0
    return int((amount / point_value_amount).to_integral_value(rounding=ROUND_FLOOR))


def _base_amount(
    program: ProgramSnapshot, check: Check, spent_money: Decimal, *, categories: frozenset[str] | None = None
) -> Decimal:
    """The amount the earn rate applies to: the eligible lines' part of the check, or of `categories` only."""
    total = max(check.total_amount, ZERO)
    if not check.lines:
        amount = total
    else:
        selected = [
            line
            for line in check.lines
            if line.category not in program.excluded_categories and (categories is None or line.category in categories)
        ]
        if program.earn_base == "before_discounts":
            return sum((line.gross_amount for line in selected), ZERO)
        all_net = sum((line.net_amount for line in check.lines), ZERO)
        part_net = sum((line.net_amount for line in selected), ZERO)
        # Check-level discounts (total below the lines' sum) are spread over the lines in proportion.
        amount = total * part_net / all_net if all_net > 0 else ZERO
    if program.earn_base == "before_discounts":
        return amount
    if program.earn_base == "paid_amount" and total > 0:
        # The part paid with points earns nothing; spread over the lines in proportion too.
        amount = amount * max(total - spent_money, ZERO) / total
    return max(amount, ZERO)


def _in_time_window(promo: PromoSnapshot, moment: time) -> bool:
    start, end = promo.starts_at_time, promo.ends_at_time
    if start is None and end is None:
        return True
    start = start or time.min
    if end is None:
        return moment >= start
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # past midnight


def promo_matches(
    promo: PromoSnapshot, *, check: Check, at: datetime, level: LevelSnapshot | None, guest_tags: frozenset[str]
) -> bool:
    day = at.date()
    return (
        (promo.starts_on is None or day >= promo.starts_on)
        and (promo.ends_on is None or day <= promo.ends_on)
        and (not promo.weekdays or day.isoweekday() in promo.weekdays)
        and _in_time_window(promo, at.time())
        and (not promo.restaurant_ids or check.restaurant_id in promo.restaurant_ids)
        and (not promo.level_ids or (level is not None and level.id in promo.level_ids))
        and (not promo.guest_tags or bool(promo.guest_tags & guest_tags))
        and (promo.codes is None or check.promo_code.strip().upper() in promo.codes)
        and (not promo.categories or any(line.category in promo.categories for line in check.lines))
    )


def _promo_points(
    promo: PromoSnapshot, *, program: ProgramSnapshot, check: Check, spent_money: Decimal, rate: Decimal
) -> int:
    extra = Decimal(promo.bonus_points)
    if promo.multiplier is not None and promo.multiplier > 1:
        scope_amount = _base_amount(program, check, spent_money, categories=promo.categories or None)
        extra += scope_amount * rate / HUNDRED / program.point_value_amount * (promo.multiplier - 1)
    return round_points(extra, program.rounding)


def redemption_share_limit(
    program: ProgramSnapshot, level: LevelSnapshot | None, check_amount: Decimal
) -> tuple[int, Decimal]:
    """(the most points that may pay a check of this amount, the share % that applies: the level's cap, else the
    program's). The quote and loyalty.services.redeem_points both hold spending to it."""
    percent = (
        level.redemption_cap_percent
        if level is not None and level.redemption_cap_percent is not None
        else program.max_redeem_share_percent
    )
    return points_for_amount(max(check_amount, ZERO) * percent / HUNDRED, program.point_value_amount), percent


def _spend_limits(
    program: ProgramSnapshot, level: LevelSnapshot | None, check: Check, available_points: int
) -> tuple[int, list[Refusal]]:
    """The most that may be spent and the refusals explaining a cut of the requested points."""
    requested = max(check.points_to_spend, 0)
    share_points, cap_percent = redemption_share_limit(program, level, check.total_amount)
    available = max(available_points, 0)
    max_spend = min(available, share_points)
    refusals: list[Refusal] = []
    if requested > available:
        text = ngettext("Only %(points)d point available.", "Only %(points)d points available.", available)
        refusals.append(Refusal("insufficient_points", text % {"points": available}, available))
    if requested > share_points:
        refusals.append(
            Refusal(
                "max_share",
                max_share_text(cap_percent, share_points),
                share_points,
            )
        )
    if max_spend < program.min_redeem_points or (0 < requested < program.min_redeem_points):
        if requested > 0:
            refusals.append(
                Refusal(
                    "min_points",
                    min_points_text(program.min_redeem_points),
                    program.min_redeem_points,
                )
            )
        if max_spend < program.min_redeem_points:
            max_spend = 0
    return max_spend, refusals


def quote_check(
    settings_snapshot: ProgramSnapshot,
    level: LevelSnapshot | None,
    promos: Sequence[PromoSnapshot],
    check: Check,
    available_points: int,
    guest_tags: Iterable[str] = (),
) -> Quote:
    """What `check` earns and what may be spent on it (see the module docstring for the rules)."""
    program = settings_snapshot
    max_spend, refusals = _spend_limits(program, level, check, available_points)
    requested = max(check.points_to_spend, 0)
    spend = min(requested, max_spend)
    if 0 < spend < program.min_redeem_points:
        spend = 0
    spent_money = Decimal(spend) * program.point_value_amount
    base_amount = _base_amount(program, check, spent_money)
    rate = level.earn_rate_percent if level is not None else program.base_earn_rate_percent
    base_points = round_points(base_amount * rate / HUNDRED / program.point_value_amount, program.rounding)

    at = check.at
    tags = frozenset(guest_tags)
    applied: list[AppliedPromo] = []
    best: AppliedPromo | None = None
    if at is not None:
        for promo in sorted(promos, key=lambda item: item.id):
            if not promo_matches(promo, check=check, at=at, level=level, guest_tags=tags):
                continue
            points = _promo_points(promo, program=program, check=check, spent_money=spent_money, rate=rate)
            if points <= 0:
                continue
            candidate = AppliedPromo(promo.id, promo.name, points)
            if promo.combination == "stackable":
                applied.append(candidate)
            elif best is None or points > best.points:
                best = candidate
    if best is not None:
        applied.insert(0, best)
    return Quote(
        earn_points=base_points + sum(item.points for item in applied),
        base_points=base_points,
        max_spend_points=max_spend,
        spend_points=spend,
        applied_promos=tuple(applied),
        refusals=tuple(refusals) if spend < requested else (),
        base_amount=base_amount,
        payable_amount=(check.total_amount - spent_money).quantize(CENT, rounding=ROUND_HALF_UP),
    )


def level_for_spend(levels: Sequence[LevelSnapshot], spend_amount: Decimal) -> LevelSnapshot | None:
    """The highest level whose threshold the spend reaches (None below the first threshold)."""
    reached = [level for level in levels if spend_amount >= level.threshold_amount]
    return max(reached, key=lambda level: level.threshold_amount) if reached else None


def birthday_in_window(birthday: date, today: date, *, days_before: int, days_after: int) -> date | None:
    """The birthday occurrence whose window [birthday − before, birthday + after] contains today, if any.

    A 29 February birthday is celebrated on 28 February in other years.
    """
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            occurrence = birthday.replace(year=year)
        except ValueError:
            occurrence = date(year, 2, 28)
        if (occurrence - today).days <= days_before and (today - occurrence).days <= days_after:
            return occurrence
    return None


def qualifies_for_referral(program: ProgramSnapshot, total_amount: Decimal) -> bool:
    """A purchase that pays an invited guest's referral bonus: a real one (above zero), at least the program's
    minimum."""
    return total_amount > 0 and total_amount >= program.referral_min_check_amount
