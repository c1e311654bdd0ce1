"""The planner's estimate of how many rows a queryset holds: a plan without running it (about a millisecond).

For decisions that need an order of magnitude, not a count: whether a search is broad (guests.search), whether a
count would read too much to be worth it (guests.selectors.count_guests). PostgreSQL estimates from its
statistics (array columns keep the frequency of their most common elements: a common first name's keys are known),
so the figure may be off by a factor, never by orders of magnitude for the common values it matters for.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.db.models import QuerySet


def estimated_rows(rows: QuerySet[Any]) -> int:
    """The planner's estimate of len(rows) (its top plan node's rows)."""
    query = rows.order_by().values("pk")
    sql, params = query.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return int(document[0]["Plan"]["Plan Rows"])
