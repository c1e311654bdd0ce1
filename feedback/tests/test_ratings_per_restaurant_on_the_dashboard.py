"""Ratings per restaurant (how many, the average, the share of low ones) appear on the dashboard and the analytics
page; a manager sees their restaurants' only."""

from __future__ import annotations

from django_tenants.utils import schema_context

from accounts.models import Role
from feedback.services import rate_visit_by_link
from feedback.tests.conftest import link_token
from tests.fixtures import signed_in_client


def _rated(asked, restaurant, scores):
    for number, score in enumerate(scores):
        request = asked(email=f"{restaurant.pk}-{number}@example.com", restaurant=restaurant)
        rate_visit_by_link(token=link_token(request), score=score)


def _rows(page):
    section = page.split('data-testid="visit-ratings"')[1].split("</section>")[0]
    return [
        [cell.split(">", 1)[1].split("<")[0] for cell in row.split("<td")[1:]]
        for row in section.split('data-testid="rating-row"')[1:]
    ]


def test_the_dashboard_shows_each_restaurants_ratings(alpha, asked):
    center, riverside = alpha.restaurants
    _rated(asked, center, [5, 4, 2])
    _rated(asked, riverside, [1])

    page = signed_in_client(alpha, Role.OWNER).get("/dashboard/").content.decode()

    assert _rows(page) == [
        ["Alpha Center", "3", "3.7", "33&nbsp;% (1)"],
        ["Alpha Riverside", "1", "1.0", "100&nbsp;% (1)"],
    ]


def test_the_analytics_page_shows_them_too(alpha, asked):
    _rated(asked, alpha.restaurants[0], [5])

    page = signed_in_client(alpha, Role.ADMIN).get("/analytics/").content.decode()

    assert _rows(page) == [["Alpha Center", "1", "5.0", "0&nbsp;% (0)"]]


def test_a_manager_sees_only_their_restaurants_ratings(alpha, asked):
    center, riverside = alpha.restaurants
    _rated(asked, center, [4])
    _rated(asked, riverside, [1])

    page = signed_in_client(alpha, Role.MANAGER).get("/dashboard/").content.decode()

    assert _rows(page) == [["Alpha Center", "1", "4.0", "0&nbsp;% (0)"]]


def test_another_chains_dashboard_shows_none_of_them(alpha, beta, asked):
    _rated(asked, alpha.restaurants[0], [2])

    with schema_context(beta.chain.schema_name):
        page = signed_in_client(beta, Role.OWNER).get("/dashboard/").content.decode()

    assert _rows(page) == []
    assert "No ratings in this period yet." in page
