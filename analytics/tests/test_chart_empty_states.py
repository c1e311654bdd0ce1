"""Charts without data show the shared empty state instead of a canvas (no empty axes from -1 to 1): on a new
chain's dashboard and analytics page no chart is drawn, each chart's place says what will appear there, and the
link that fills it is offered only to a role that may follow it. With data, the canvases are back."""

from __future__ import annotations

import re

from tests.fixtures import signed_in_client

DASHBOARD_CHARTS = {"revenue", "guests", "points", "liability", "restaurants"}
ANALYTICS_CHARTS = {"revenue", "guests", "points", "liability", "levels", "segments"}
Q1 = "start=2026-01-01&end=2026-03-31"


def _canvases(html: str) -> set[str]:
    return set(re.findall(r'<canvas data-chart="([a-z]+)"', html))


def _empty_charts(html: str) -> dict[str, str]:
    return {
        match[1]: match[0]
        for match in re.finditer(
            r'<section class="empty card chart-empty"[^>]*data-chart-empty="([a-z]+)".*?</section>', html, re.S
        )
    }


def test_new_chain_dashboard_draws_no_chart_and_says_what_each_will_show(alpha):
    html = signed_in_client(alpha, "owner").get("/dashboard/").content.decode()
    assert _canvases(html) == set()
    empty = _empty_charts(html)
    assert set(empty) == DASHBOARD_CHARTS
    assert "No checks yet" in empty["revenue"]


def test_owner_is_offered_the_pos_and_sample_data_from_the_empty_charts(alpha):
    empty = _empty_charts(signed_in_client(alpha, "owner").get("/dashboard/").content.decode())
    assert 'href="/restaurants/" data-testid="empty-action"' in empty["revenue"]
    assert 'href="/settings/sample-data/" data-testid="empty-action"' in empty["guests"]


def test_manager_sees_the_empty_charts_without_actions_they_may_not_take(alpha):
    html = signed_in_client(alpha, "manager").get("/dashboard/").content.decode()
    empty = _empty_charts(html)
    assert set(empty) == DASHBOARD_CHARTS
    assert "empty-action" not in "".join(empty.values())


def test_new_chain_analytics_page_draws_no_chart(alpha):
    html = signed_in_client(alpha, "owner").get(f"/analytics/?{Q1}").content.decode()
    assert _canvases(html) == set()
    assert set(_empty_charts(html)) == ANALYTICS_CHARTS


def test_charts_with_data_are_drawn_instead_of_the_empty_state(alpha, fixed_data):
    html = signed_in_client(alpha, "owner").get(f"/analytics/?{Q1}").content.decode()
    assert {"revenue", "guests", "points", "liability", "restaurants", "segments"} <= _canvases(html)
    assert not {"revenue", "guests", "points", "liability"} & set(_empty_charts(html))
