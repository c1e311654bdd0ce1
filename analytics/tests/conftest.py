"""Fixtures of the analytics tests: the fixed data set in chain alpha, rolled up; tasks queued but not run."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.metrics import Period
from analytics.rollups import recompute_days
from analytics.tests.dataset import FixedData, build_fixed_data
from tests.fixtures import ChainWorld
from tests.queued_tasks import queued_not_run  # noqa: F401  # a fixture

Q1_START, Q1_END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


@pytest.fixture
def fixed_data(alpha: ChainWorld) -> FixedData:
    data = build_fixed_data(alpha)
    recompute_days(dt.date(2025, 12, 1), dt.date(2026, 8, 1), data.zone)
    return data


@pytest.fixture
def q1(fixed_data: FixedData) -> Period:
    return Period(start=Q1_START, end=Q1_END, restaurant_ids=None, zone=fixed_data.zone)


@pytest.fixture
def q1_first_restaurant(fixed_data: FixedData, alpha: ChainWorld) -> Period:
    return Period(start=Q1_START, end=Q1_END, restaurant_ids=frozenset({alpha.restaurants[0].id}), zone=fixed_data.zone)
