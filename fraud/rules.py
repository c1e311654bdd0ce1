"""The fraud rules: pure functions from facts and the owner's thresholds to findings with their evidence.

No database here: fraud.selectors reads the facts, fraud.services turns findings into flags. Each finding names its
window (`window`), which with the rule and subject makes the flag's key, so a rerun over the same facts (or over
more of them, the window already flagged) raises nothing new.

1. Velocity: more than `max_checks_per_hour` checks of one guest within 60 minutes. Windows are taken greedily from
   the earliest check; a window is named by its first check.
2. Distance: two consecutive checks of one guest at restaurants whose distance (haversine, km) needs a speed above
   `max_speed_kmh` for the time between them. Restaurants without coordinates are skipped. Named by the pair.
3. Same amount: at least `repeats` checks of one guest with the same total at one till (a POS terminal, or a staff
   member's till page) within `window_hours`. Named by the till, amount and first check.
4. Refund after redemption: a refund that could not take back all it earned (shortfall) because those points were
   already spent: the chain paid for a purchase that was returned. Named by the refund's entry.
5. Cashier share: for each staff member at a restaurant with at least `min_checks` checks, each share per check
   (manual bonuses, undos, redemptions right after an accrual) is compared with the restaurant's (its other staff,
   together at least `min_checks` checks); a share above `factor` times theirs, and at least MIN_OUTLIER_SHARE, is
   flagged. Named by ISO week. The share of checks with a guest attached is compared the same way per POS till
   (the terminal the POS names; no adapter names the cashier of a check): a till attaching guests to far more of
   its sales than the restaurant's other tills, e.g. a cashier's own card on guests' checks.
6. Registrations without visit: at least `threshold` guests registered by one staff member in the window that never
   came back after their registration day. Named by ISO week.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

HOUR = datetime.timedelta(hours=1)
EARTH_RADIUS_KM = 6371.0
MIN_OUTLIER_SHARE = 0.05  # a share under 5 % of checks is not "far above" anything, whatever the restaurant's
MIN_DISTANCE_KM = 1.0  # neighbouring restaurants: GPS noise, not travel
QUICK_REDEMPTION_MINUTES = 10  # a redemption this soon after an accrual of the same guest is "right after" it
STAFF_METRICS = ("manual_bonuses", "undos", "quick_redemptions")


@dataclass(frozen=True)
class CheckFact:
    check_id: int
    at: datetime.datetime
    restaurant_id: int | None
    till: str
    amount: Decimal
    entry_ids: tuple[int, ...] = ()

    def as_evidence(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "at": self.at.isoformat(),
            "restaurant_id": self.restaurant_id,
            "till": self.till,
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class RefundFact:
    entry_id: int
    reverses_id: int
    at: datetime.datetime
    restaurant_id: int | None
    shortfall_points: int


@dataclass(frozen=True)
class StaffStats:
    staff_id: int
    restaurant_id: int
    checks: int
    manual_bonuses: int = 0
    undos: int = 0
    quick_redemptions: int = 0


@dataclass(frozen=True)
class TillStats:
    restaurant_id: int
    till: str
    checks: int  # sales closed at this till
    with_guest: int  # of them, with a guest attached


@dataclass(frozen=True)
class RegistrationStats:
    staff_id: int
    restaurant_id: int | None
    registered: int
    guest_ids_without_visit: tuple[int, ...]


@dataclass(frozen=True)
class Finding:
    window: str
    evidence: dict[str, Any]
    restaurant_id: int | None = None
    entry_ids: tuple[int, ...] = field(default=())


def haversine_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    chord = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(chord))


def _greedy_windows(checks: Sequence[CheckFact], span: datetime.timedelta) -> list[list[CheckFact]]:
    ordered = sorted(checks, key=lambda check: (check.at, check.check_id))
    windows, start = [], 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1].at - ordered[start].at < span:
            end += 1
        windows.append(ordered[start : end + 1])
        start = end + 1
    return windows


def _checks_finding(window: str, checks: Sequence[CheckFact], **extra: Any) -> Finding:
    return Finding(
        window=window,
        evidence={**extra, "checks": [check.as_evidence() for check in checks]},
        restaurant_id=checks[-1].restaurant_id,
        entry_ids=tuple(entry_id for check in checks for entry_id in check.entry_ids),
    )


def too_many_checks(checks: Sequence[CheckFact], *, max_per_hour: int) -> list[Finding]:
    """Rule 1."""
    return [
        _checks_finding(f"from-check-{window[0].check_id}", window, count=len(window), limit=max_per_hour)
        for window in _greedy_windows(checks, HOUR)
        if len(window) > max_per_hour
    ]


def too_far_apart(
    checks: Sequence[CheckFact], *, places: dict[int, tuple[float, float]], max_speed_kmh: int
) -> list[Finding]:
    """Rule 2."""
    ordered = sorted(checks, key=lambda check: (check.at, check.check_id))
    findings = []
    for earlier, later in itertools.pairwise(ordered):
        if earlier.restaurant_id == later.restaurant_id:
            continue
        first, second = places.get(earlier.restaurant_id or 0), places.get(later.restaurant_id or 0)
        if first is None or second is None:
            continue
        distance = haversine_km(first, second)
        if distance < MIN_DISTANCE_KM:
            continue
        hours = (later.at - earlier.at).total_seconds() / 3600
        speed = distance / hours if hours > 0 else math.inf
        if speed > max_speed_kmh:
            findings.append(
                _checks_finding(
                    f"checks-{earlier.check_id}-{later.check_id}",
                    [earlier, later],
                    distance_km=round(distance, 1),
                    minutes=round(hours * 60, 1),
                    speed_kmh=None if math.isinf(speed) else round(speed),
                    limit_kmh=max_speed_kmh,
                )
            )
    return findings


def repeated_amounts(checks: Sequence[CheckFact], *, repeats: int, window_hours: int) -> list[Finding]:
    """Rule 3."""
    groups: dict[tuple[str, int | None, Decimal], list[CheckFact]] = {}
    for check in checks:
        groups.setdefault((check.till, check.restaurant_id, check.amount), []).append(check)
    span = datetime.timedelta(hours=window_hours)
    return [
        _checks_finding(
            f"{till}-{amount}-from-check-{window[0].check_id}",
            window,
            amount=str(amount),
            till=till,
            count=len(window),
            limit=repeats,
        )
        for (till, _restaurant, amount), same in sorted(groups.items(), key=lambda item: str(item[0]))
        for window in _greedy_windows(same, span)
        if len(window) >= repeats
    ]


def refunds_after_redemption(refunds: Sequence[RefundFact]) -> list[Finding]:
    """Rule 4."""
    return [
        Finding(
            window=f"refund-{refund.entry_id}",
            evidence={
                "refund_entry_id": refund.entry_id,
                "refunded_entry_id": refund.reverses_id,
                "at": refund.at.isoformat(),
                "shortfall_points": refund.shortfall_points,
            },
            restaurant_id=refund.restaurant_id,
        )
        for refund in refunds
        if refund.shortfall_points > 0
    ]


def iso_week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def cashier_outliers(stats: Sequence[StaffStats], *, factor: Decimal, min_checks: int, week: str) -> list[Finding]:
    """Rule 5: one finding per staff member, restaurant and metric above the restaurant's share."""
    totals: dict[int, dict[str, int]] = {}
    for row in stats:
        total = totals.setdefault(row.restaurant_id, dict.fromkeys(("checks", *STAFF_METRICS), 0))
        total["checks"] += row.checks
        for metric in STAFF_METRICS:
            total[metric] += getattr(row, metric)
    findings = []
    for row in stats:
        if row.checks < min_checks:
            continue
        total = totals[row.restaurant_id]
        others_checks = total["checks"] - row.checks
        if others_checks < min_checks:  # no colleagues to compare with
            continue
        for metric in STAFF_METRICS:
            share = getattr(row, metric) / row.checks
            restaurant_share = (total[metric] - getattr(row, metric)) / others_checks
            if is_far_above(share, restaurant_share, factor):
                findings.append(
                    Finding(
                        window=f"{row.staff_id}-{row.restaurant_id}-{metric}-{week}",
                        evidence={
                            "staff_id": row.staff_id,
                            **_share_evidence(metric, row.checks, getattr(row, metric), share, restaurant_share),
                            "factor": str(factor),
                            "week": week,
                        },
                        restaurant_id=row.restaurant_id,
                    )
                )
    return findings


def is_far_above(share: float, restaurant_share: float, factor: Decimal) -> bool:
    return share >= MIN_OUTLIER_SHARE and share > float(factor) * restaurant_share


def _share_evidence(metric: str, checks: int, count: int, share: float, restaurant_share: float) -> dict[str, Any]:
    """What a share-outlier flag shows the reviewer: the measure, its count over the checks, both shares."""
    return {
        "metric": metric,
        "checks": checks,
        "count": count,
        "share": round(share, 4),
        "restaurant_share": round(restaurant_share, 4),
    }


def till_guest_share_outliers(
    stats: Sequence[TillStats], *, factor: Decimal, min_checks: int, week: str
) -> list[Finding]:
    """Rule 5, the share of checks with a guest attached, per till against the restaurant's other tills."""
    totals: dict[int, tuple[int, int]] = {}
    for row in stats:
        checks, with_guest = totals.get(row.restaurant_id, (0, 0))
        totals[row.restaurant_id] = (checks + row.checks, with_guest + row.with_guest)
    findings = []
    for row in stats:
        checks, with_guest = totals[row.restaurant_id]
        others_checks = checks - row.checks
        if row.checks < min_checks or others_checks < min_checks:
            continue
        share, restaurant_share = row.with_guest / row.checks, (with_guest - row.with_guest) / others_checks
        if is_far_above(share, restaurant_share, factor):
            findings.append(
                Finding(
                    window=f"till-{row.restaurant_id}-{row.till}-guest_attached-{week}",
                    evidence={
                        "till": row.till,
                        **_share_evidence("guest_attached", row.checks, row.with_guest, share, restaurant_share),
                        "factor": str(factor),
                        "week": week,
                    },
                    restaurant_id=row.restaurant_id,
                )
            )
    return findings


def idle_registrations(stats: Sequence[RegistrationStats], *, threshold: int, week: str) -> list[Finding]:
    """Rule 6."""
    return [
        Finding(
            window=f"{row.staff_id}-{week}",
            evidence={
                "staff_id": row.staff_id,
                "registered": row.registered,
                "without_visit": len(row.guest_ids_without_visit),
                "guest_ids": list(row.guest_ids_without_visit[:100]),
                "limit": threshold,
                "week": week,
            },
            restaurant_id=row.restaurant_id,
        )
        for row in stats
        if len(row.guest_ids_without_visit) >= threshold
    ]
