"""The dashboard is served from the cache until data of a day in its range changes, then shows the new figures."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone

from analytics.tests.dataset import add_guest, add_visit
from tests.fixtures import signed_in_client


def _riverside_loyalty_revenue(page: str) -> Decimal:
    table = page.split('data-testid="restaurant-comparison"', 1)
    if len(table) == 1 or "Alpha Riverside" not in table[1]:
        return Decimal(0)
    row = table[1].split("Alpha Riverside", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td>([^<]*)</td>", row)
    return Decimal(cells[2])  # visits, new guests, revenue from loyalty guests


def test_a_new_visit_shows_on_the_cached_dashboard_at_once(alpha) -> None:
    riverside = alpha.restaurants[1]
    client = signed_in_client(alpha, "owner")
    before = _riverside_loyalty_revenue(client.get("/dashboard/").content.decode())
    guest = add_guest(created_at=timezone.now() - dt.timedelta(days=5), home=riverside)
    add_visit(guest, riverside, timezone.now() - dt.timedelta(days=2), "4321.09")
    assert _riverside_loyalty_revenue(client.get("/dashboard/").content.decode()) == before + Decimal("4321.09")

    add_visit(guest, riverside, timezone.now() - dt.timedelta(days=1), "1000.00")

    assert _riverside_loyalty_revenue(client.get("/dashboard/").content.decode()) == before + Decimal("5321.09")
