"""The dashboard is served from the cache until data of a day in its range changes, then shows the new figures."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone

from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import signed_in_client


def _riverside_loyalty_revenue(page: str) -> Decimal:
    table = page.split('data-testid="restaurant-comparison"', 1)
    if len(table) == 1 or "Alpha Riverside" not in table[1]:
        return Decimal(0)
    row = table[1].split("Alpha Riverside", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td>([^<]*)</td>", row)
    return Decimal(cells[2])  # visits, new guests, revenue from loyalty guests


def _check(alpha, guest, restaurant, closed_at: dt.datetime, amount: str) -> None:
    """A guest's check as the restaurant's POS sends it (the drain writes the visit and announces it)."""
    send_checks(alpha, [CheckSpec(total_amount=amount, guest=guest, restaurant=restaurant, closed_at=closed_at)])


def test_a_new_visit_shows_on_the_cached_dashboard_at_once(alpha) -> None:
    riverside = alpha.restaurants[1]
    client = signed_in_client(alpha, "owner")
    before = _riverside_loyalty_revenue(client.get("/dashboard/").content.decode())
    guest = register_guest(home_restaurant_id=riverside.id)
    _check(alpha, guest, riverside, timezone.now() - dt.timedelta(days=2), "4321.09")
    assert _riverside_loyalty_revenue(client.get("/dashboard/").content.decode()) == before + Decimal("4321.09")

    _check(alpha, guest, riverside, timezone.now() - dt.timedelta(days=1), "1000.00")

    assert _riverside_loyalty_revenue(client.get("/dashboard/").content.decode()) == before + Decimal("5321.09")
