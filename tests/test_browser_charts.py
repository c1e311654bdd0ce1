"""In a real browser: the dashboard's Chart.js charts are drawn from the roll-ups, and the analytics filters change
the numbers on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser import chain_url, committed, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CANVAS_DRAWN = """(canvas) => {
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart) return false;
  const hasData = chart.data.datasets.some((set) => set.data.some((value) => Number(value) > 0));
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return hasData && painted > 200;
}"""


@pytest.fixture
def recent_activity(worlds):
    """Visits, points and anonymous checks of the last days in both restaurants of chain alpha (committed)."""
    world = worlds["alpha"]

    def create() -> list[int]:
        from analytics.tests.dataset import add_anonymous_check, add_entry, add_guest, add_visit
        from loyalty.models import EntryKind

        with schema_context(world.chain.schema_name):
            now = timezone.now()
            center, riverside = world.restaurants
            ids = []
            for n, (restaurant, amount) in enumerate(
                [(center, "1111.00"), (riverside, "2222.00"), (riverside, "3333.00")]
            ):
                guest = add_guest(created_at=now - dt.timedelta(days=3 + n), home=restaurant, name=f"Chart{n}")
                add_visit(guest, restaurant, now - dt.timedelta(days=2 + n), amount)
                add_entry(
                    guest, EntryKind.ACCRUAL, int(Decimal(amount) / 10), now - dt.timedelta(days=2 + n), restaurant
                )
                ids.append(guest.id)
            add_anonymous_check(center, now - dt.timedelta(days=1), "999.00")
            return ids

    guest_ids = committed(create)
    yield guest_ids

    def remove() -> None:
        from analytics.periods import chain_time_zone
        from analytics.rollups import recompute_days
        from guests.models import Guest, Visit
        from loyalty.models import LedgerEntry
        from pos.models import PosConnection, Receipt

        with schema_context(world.chain.schema_name):
            LedgerEntry.objects.filter(guest_id__in=guest_ids).delete()
            Visit.objects.filter(guest_id__in=guest_ids).delete()
            Receipt.objects.filter(external_id__startswith="anon-", connection__name="analytics test").delete()
            PosConnection.objects.filter(name="analytics test").delete()
            Guest.objects.filter(id__in=guest_ids).delete()
            today = timezone.now().astimezone(chain_time_zone()).date()
            recompute_days(today - dt.timedelta(days=10), today)

    committed(remove)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace(",", "."))


def _sign_in(page, live_site, world) -> None:
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", f"owner@{world.chain.slug}.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def test_dashboard_charts_are_drawn_and_analytics_filters_change_the_numbers(worlds, live_site, page, recent_activity):
    world = worlds["alpha"]
    _sign_in(page, live_site, world)

    wait_until(page, "document.querySelectorAll('canvas[data-chart]').length === 5")
    for name in ("revenue", "guests", "points", "liability", "restaurants"):
        wait_until(page, f"({CANVAS_DRAWN})(document.querySelector('canvas[data-chart={name}]'))")
    screenshot(page, "analytics-1-dashboard")
    assert "Alpha Riverside" in page.inner_text("[data-testid=restaurant-comparison]")

    page.goto(chain_url(live_site, world.host, "/analytics/"))
    wait_until(page, f"({CANVAS_DRAWN})(document.querySelector('canvas[data-chart=revenue]'))")
    whole_chain = page.inner_text("[data-testid=loyalty-revenue]")
    page.select_option(".analytics-filters select[name=restaurant]", label="Alpha Riverside")
    page.click(".analytics-filters button[type=submit]")
    page.wait_for_url("**/analytics/?**restaurant=**")
    riverside = page.inner_text("[data-testid=loyalty-revenue]")
    screenshot(page, "analytics-2-filtered")
    assert _amount(riverside) >= Decimal("5555.00")  # 2,222 + 3,333 of this test's guests
    assert _amount(whole_chain) >= _amount(riverside) + Decimal("1111.00")  # plus the Center's
