"""The RFM classification of guests, pure: its classes and the SQL CASE that puts a guest in one.

One definition for the analytics pages (analytics.metrics.guest_figures, over a chosen period) and the campaigns'
saved segments (campaigns.selectors, over the last RFM_WINDOW_DAYS): both run it over rows of (n: visits,
spend, last_at: the last visit's instant, avg_spend: the average guest's spend over the same rows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

# (code, name, definition), best first: the CASE below tries them in this order.
SEGMENTS = [
    ("champions", _("Champions"), _("Visited in the last 30 days, 5 or more visits, spent at least the average")),
    ("loyal", _("Loyal"), _("Visited in the last 90 days, 2 or more visits (and not a champion)")),
    ("new", _("New"), _("Visited in the last 30 days, one visit")),
    ("promising", _("Needs attention"), _("Last visit 31–90 days ago, one visit")),
    ("at_risk", _("At risk"), _("No visit in the last 90 days, 2 or more visits")),
    ("lost", _("Lost"), _("No visit in the last 90 days, one visit")),
]
SEGMENT_CODES = tuple(code for code, _name, _definition in SEGMENTS)

_CASE = (
    "CASE "
    "WHEN last_at >= %s AND n >= 5 AND spend >= avg_spend THEN 'champions' "
    "WHEN last_at >= %s AND n >= 2 THEN 'loyal' "
    "WHEN last_at >= %s THEN 'new' "
    "WHEN last_at >= %s THEN 'promising' "
    "WHEN n >= 2 THEN 'at_risk' ELSE 'lost' END"
)


def rfm_class_sql(end: dt.datetime) -> tuple[str, list[Any]]:
    """The CASE expression naming a row's RFM class as of `end`, and its parameters. Recency is measured in instants
    (a visit at most 30 days before the end: last_at >= end − 30 × 24 h), not in calendar days."""
    within_30, within_90 = (end.astimezone(dt.UTC) - dt.timedelta(days=days) for days in (30, 90))
    return _CASE, [within_30, within_90, within_30, within_90]
