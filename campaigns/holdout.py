"""Pure arithmetic of a campaign's experiment: who is held out (the control group) and the uplift's confidence.

1. A guest's group is a hash of the campaign id and the guest id against the holdout share: the same campaign and
   guest always land in the same group (a rerun or a restarted worker splits identically), the split is uniform,
   and one campaign's split says nothing about another's (the campaign id is part of the hash).
2. The uplift is treated minus control, with a 95 % confidence interval by the normal approximation: the difference
   of two proportions for shares, Welch's standard error for means. A group with fewer than two guests has no
   interval.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
HASH_SPACE = 10_000  # the share is compared in hundredths of a percent


def is_held_out(*, campaign_id: int, guest_id: int, holdout_percent: int) -> bool:
    """True when the guest is in the campaign's control group (rule 1)."""
    digest = hashlib.sha256(f"campaign:{campaign_id}:guest:{guest_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % HASH_SPACE
    return bucket < holdout_percent * (HASH_SPACE // 100)


@dataclass(frozen=True)
class Uplift:
    """Treated minus control, with its 95 % interval (None when a group is too small to tell)."""

    treated: float
    control: float
    difference: float
    low: float | None
    high: float | None

    @property
    def is_significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def _interval(difference: float, standard_error: float | None) -> tuple[float | None, float | None]:
    if standard_error is None:
        return None, None
    return difference - Z_95 * standard_error, difference + Z_95 * standard_error


def proportion_uplift(*, treated_hits: int, treated_size: int, control_hits: int, control_size: int) -> Uplift:
    """The difference of two shares (rule 2)."""
    p_treated = treated_hits / treated_size if treated_size else 0.0
    p_control = control_hits / control_size if control_size else 0.0
    error = None
    if treated_size >= 2 and control_size >= 2:
        error = math.sqrt(p_treated * (1 - p_treated) / treated_size + p_control * (1 - p_control) / control_size)
    low, high = _interval(p_treated - p_control, error)
    return Uplift(p_treated, p_control, p_treated - p_control, low, high)


@dataclass(frozen=True)
class Sample:
    """One group's values, one per guest, summed in SQL: how many guests, the sum and the sum of squares (a guest
    without any value counts as a zero)."""

    size: int
    total: float
    total_of_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.size if self.size else 0.0

    @property
    def variance(self) -> float:
        """The unbiased sample variance (n - 1)."""
        if self.size < 2:
            return 0.0
        return max(self.total_of_squares - self.size * self.mean**2, 0.0) / (self.size - 1)


def sample_of(values: Sequence[float]) -> Sample:
    return Sample(len(values), float(sum(values)), float(sum(value * value for value in values)))


def mean_uplift(treated: Sample, control: Sample) -> Uplift:
    """The difference of two means with Welch's standard error (rule 2)."""
    error = None
    if treated.size >= 2 and control.size >= 2:
        error = math.sqrt(treated.variance / treated.size + control.variance / control.size)
    difference = treated.mean - control.mean
    low, high = _interval(difference, error)
    return Uplift(treated.mean, control.mean, difference, low, high)
