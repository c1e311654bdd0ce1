"""Fixtures of the analytics tests: the fixed data set in chain alpha, rolled up; tasks queued but not run."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from celery.app.routes import Router

from analytics.metrics import Period
from analytics.rollups import recompute_days
from analytics.tests.dataset import FixedData, build_fixed_data
from maxloyalty.celery import app
from tests.fixtures import ChainWorld
from tests.process_harness import purge_queue

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


@pytest.fixture
def queued_not_run() -> Iterator[str]:
    """Tasks are sent to a queue of this test's own that no worker reads (not run eagerly)."""
    queue = f"q-analytics-{time.monotonic_ns()}"
    patched = {"task_always_eager": False, "task_default_queue": queue}
    saved = {name: app.conf[name] for name in patched}
    saved_router = app.amqp.router
    app.conf.update(patched)
    app.amqp.router = Router([], app.amqp.queues, True, app=app)
    try:
        yield queue
    finally:
        app.conf.update(saved)
        app.amqp.router = saved_router
        purge_queue(queue)
