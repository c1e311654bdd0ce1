"""The chain's calendar for analytics: its time zone, and the UTC bounds of its local days and months."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from maxloyalty.current_schema import current_schema_name, current_tenant


def chain_time_zone() -> ZoneInfo:
    """The current chain's zone (days are counted in it)."""
    zone = getattr(current_tenant(), "time_zone", None)
    if not zone:
        from tenants.models import Chain

        zone = Chain.objects.filter(schema_name=current_schema_name()).values_list("time_zone", flat=True).first()
    return ZoneInfo(zone or "UTC")


def local_days_of_utc_day(day: dt.date, zone: ZoneInfo) -> set[dt.date]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return {start.astimezone(zone).date(), end.astimezone(zone).date()}


def day_bounds(first_day: dt.date, last_day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local days first_day..last_day."""
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_bounds(month: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local month that begins on `month`."""
    return day_bounds(month, next_month(month) - dt.timedelta(days=1), zone)
