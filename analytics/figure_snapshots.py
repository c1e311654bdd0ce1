"""Keeping the dashboard's and the analytics page's figures ready: each view (a page's figures for one period and
set of restaurants) is computed at most once per state of the roll-ups, stored (analytics.models.FiguresSnapshot)
and cached, so a page never waits for a recomputation it has already paid for.

At 1M guests the distinct-guest figures (active guests, RFM and habits, cohorts, levels) take a second or more
(docs/benchmarks.md). Each stored view carries the roll-ups' fingerprint it was computed from
(analytics.selectors.stats_fingerprint). A page shows, in this order:
1. the cached figures of the current fingerprint (the cache key carries it);
2. the stored snapshot when its fingerprint is current (then cached again: a cold cache costs one row's read);
3. an older snapshot of the same view while a refresh is queued (at most one per view: a cache lock), marked with its
   time when more than BEHIND_SECONDS old; with eager tasks, as in tests, the refresh is done before the page is
   drawn, so it shows current figures;
4. for a view never computed before, figures computed on the spot.
Downloads (exports, the report) never take 3: they are always current. The scheduled roll-up refreshes the default
views (refresh_default_views) right after it changes the fingerprint, and drops views nobody has looked at for
SNAPSHOT_KEEP_DAYS.

Figures are stored as JSON with their types tagged (money stays Decimal, days stay dates, translatable labels stay
translatable, so a snapshot computed by a worker in Russian reads in English for an English-speaking owner).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from analytics.metrics import Period
from analytics.models import FiguresSnapshot
from analytics.periods import chain_time_zone
from analytics.selectors import analytics_figures, dashboard_figures, default_periods, stats_fingerprint
from maxloyalty.cache_locks import free_lock, lock_is_held, take_lock
from maxloyalty.task_queue import enqueue

CACHE_SECONDS = 24 * 3600
LOCK_SECONDS = 600  # a refresh that dies frees its view after this long
SNAPSHOT_KEEP_DAYS = 7
# Figures this much older than the roll-ups say so on the page (younger ones are a busy chain's normal).
BEHIND_SECONDS = 60
REFRESH_TASK = "analytics.tasks.refresh_figures"
DASHBOARD = "dashboard"
ANALYTICS = "analytics"
KINDS = (DASHBOARD, ANALYTICS)


@dataclass(frozen=True)
class Figures:
    data: dict[str, Any]
    computed_at: dt.datetime
    is_current: bool  # computed from the roll-ups as they are now
    refreshing: bool = False  # newer figures are being computed

    @property
    def is_behind(self) -> bool:
        """Not current, and computed more than BEHIND_SECONDS ago: the page says as of when."""
        return not self.is_current and (timezone.now() - self.computed_at).total_seconds() > BEHIND_SECONDS


def _today(period: Period) -> dt.date:
    return timezone.now().astimezone(period.zone).date()


def _view(kind: str, period: Period) -> str:
    """The stored view's name: the analytics page's figures include the birthdays of today's week."""
    return f"{ANALYTICS}:{_today(period)}" if kind == ANALYTICS else DASHBOARD


def _compute(kind: str, period: Period) -> dict[str, Any]:
    if kind == ANALYTICS:
        return analytics_figures(period, _today(period))
    return dashboard_figures(period)


def _scope(period: Period) -> str:
    return "all" if period.restaurant_ids is None else ",".join(map(str, sorted(period.restaurant_ids)))


def _cache_key(view: str, period: Period, fingerprint: str) -> str:
    return f"analytics:{view}:{period.start}:{period.end}:{_scope(period)}:{fingerprint}"


def _lock_key(view: str, period: Period) -> str:
    return f"analytics:figures-refresh:{view}:{period.start}:{period.end}:{_scope(period)}"


def _stored(view: str, period: Period) -> FiguresSnapshot | None:
    return FiguresSnapshot.objects.filter(view=view, start=period.start, end=period.end, scope=_scope(period)).first()


def _remembered(view: str, period: Period, fingerprint: str, data: dict[str, Any], computed_at: dt.datetime) -> None:
    cache.set(_cache_key(view, period, fingerprint), (data, computed_at), CACHE_SECONDS)


def _compute_and_store(kind: str, period: Period, fingerprint: str) -> Figures:
    view = _view(kind, period)
    began = time.monotonic()
    data = _compute(kind, period)
    computed_at = timezone.now()
    FiguresSnapshot.objects.bulk_create(
        [
            FiguresSnapshot(
                view=view,
                start=period.start,
                end=period.end,
                scope=_scope(period),
                fingerprint=fingerprint,
                figures=_encoded(data),
                computed_at=computed_at,
                seconds=round(time.monotonic() - began, 3),
            )
        ],
        update_conflicts=True,  # two computations of one view at once: the later one's figures stay
        unique_fields=["view", "start", "end", "scope"],
        update_fields=["fingerprint", "figures", "computed_at", "seconds"],
    )
    _remembered(view, period, fingerprint, data, computed_at)
    return Figures(data=data, computed_at=computed_at, is_current=True)


def _current(view: str, period: Period, fingerprint: str) -> tuple[Figures | None, FiguresSnapshot | None]:
    """The view's current figures from the cache or its stored row (cached again), else None with the stored row
    (older figures, or None)."""
    cached = cache.get(_cache_key(view, period, fingerprint))
    if cached is not None:
        data, computed_at = cached
        return Figures(data=data, computed_at=computed_at, is_current=True), None
    stored = _stored(view, period)
    if stored is not None and stored.fingerprint == fingerprint:
        data = _decoded(stored.figures)
        _remembered(view, period, fingerprint, data, stored.computed_at)
        return Figures(data=data, computed_at=stored.computed_at, is_current=True), stored
    return None, stored


def _figures(kind: str, period: Period, fingerprint: str, *, serve_older: bool) -> Figures:
    view = _view(kind, period)
    current, stored = _current(view, period, fingerprint)
    if current is not None:
        return current
    if stored is None or not serve_older:
        return _compute_and_store(kind, period, fingerprint)
    request_refresh(kind, period)
    stored = _stored(view, period) or stored  # with eager tasks the refresh is already stored
    return Figures(
        data=_decoded(stored.figures),
        computed_at=stored.computed_at,
        is_current=stored.fingerprint == fingerprint,
        refreshing=lock_is_held(_lock_key(view, period)),
    )


def request_refresh(kind: str, period: Period) -> bool:
    """Queue a recomputation of the view unless one is queued or running; whether it was queued."""
    lock = _lock_key(_view(kind, period), period)
    token = take_lock(lock, seconds=LOCK_SECONDS)
    if token is None:
        return False
    try:
        enqueue(
            REFRESH_TASK,
            kind=kind,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            restaurant_ids=None if period.restaurant_ids is None else sorted(period.restaurant_ids),
            lock_token=token,
        )
    except Exception:
        free_lock(lock, token)
        raise
    return True


def refresh_figures(
    *, kind: str, start: dt.date, end: dt.date, restaurant_ids: list[int] | None, lock_token: str
) -> Figures:
    """The queued refresh: compute the view from the roll-ups as they are now, store it, free its lock."""
    period = Period(
        start=start,
        end=end,
        restaurant_ids=None if restaurant_ids is None else frozenset(restaurant_ids),
        zone=chain_time_zone(),
    )
    try:
        return _compute_and_store(kind, period, stats_fingerprint(period.end))
    finally:
        free_lock(_lock_key(_view(kind, period), period), lock_token)


def _joined(parts: list[Figures]) -> Figures:
    data: dict[str, Any] = {}
    for part in parts:
        data.update(part.data)
    return Figures(
        data=data,
        computed_at=min(part.computed_at for part in parts),
        is_current=all(part.is_current for part in parts),
        refreshing=any(part.refreshing for part in parts),
    )


def dashboard_to_show(period: Period) -> Figures:
    """The dashboard's figures for a page: current, or the last ones while current ones are computed."""
    return _figures(DASHBOARD, period, stats_fingerprint(period.end), serve_older=True)


def analytics_to_show(period: Period) -> Figures:
    """The analytics page's figures (the dashboard's and its own) for a page, as dashboard_to_show."""
    fingerprint = stats_fingerprint(period.end)
    return _joined([_figures(kind, period, fingerprint, serve_older=True) for kind in KINDS])


def current_analytics(period: Period) -> dict[str, Any]:
    """Every metric of the analytics page as of the roll-ups now (exports and the report: never older figures)."""
    fingerprint = stats_fingerprint(period.end)
    return _joined([_figures(kind, period, fingerprint, serve_older=False) for kind in KINDS]).data


def refresh_default_views() -> int:
    """After a roll-up: compute the default views (analytics.selectors.default_periods, both pages) whose stored
    figures are not current, so that the first look reads them; drop views not refreshed for SNAPSHOT_KEEP_DAYS.
    Returns how many views were computed (current ones cost a cache or row read)."""
    computed = 0
    for period in default_periods():
        fingerprint = stats_fingerprint(period.end)
        for kind in KINDS:
            if _current(_view(kind, period), period, fingerprint)[0] is None:
                _compute_and_store(kind, period, fingerprint)
                computed += 1
    FiguresSnapshot.objects.filter(computed_at__lt=timezone.now() - dt.timedelta(days=SNAPSHOT_KEEP_DAYS)).delete()
    return computed


# --- stored figures: JSON with tagged types ------------------------------------------------------------------------


def _encoded(value: Any) -> Any:
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Promise):
        return {"$gettext": _message_id(value)}
    if isinstance(value, list | tuple):
        return [_encoded(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _encoded(item) for key, item in value.items()}
        return {"$items": [[_encoded(key), _encoded(item)] for key, item in value.items()]}
    raise TypeError(f"figures cannot hold a {type(value).__name__}")


def _message_id(text: Promise) -> str:
    """The message id of a gettext_lazy string (what its pickling keeps)."""
    _unpickle, (function, args, kwargs, *_result_classes) = text.__reduce__()  # type: ignore[misc]  # Promise's own
    if function is not gettext or kwargs or len(args) != 1:
        raise TypeError("figures can hold only gettext_lazy labels")
    return str(args[0])


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$decimal": Decimal,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$gettext": gettext_lazy,
    "$items": lambda items: {_decoded(key): _decoded(item) for key, item in items},
}


def _decoded(value: Any) -> Any:
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, inner),) = value.items()
            if tag in _DECODERS:
                return _DECODERS[tag](inner)
        return {key: _decoded(item) for key, item in value.items()}
    return value
