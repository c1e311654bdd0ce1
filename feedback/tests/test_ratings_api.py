"""GET /api/v1/feedback/ratings: owners and admins see every restaurant's ratings, managers their restaurants' only,
cashiers none (403); filters by restaurant, period and score; the project's pagination and error format; one
chain's token reads nothing of another's."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import Role
from analytics.periods import chain_time_zone
from feedback.services import rate_visit_by_link
from feedback.tests.conftest import link_token
from tests.fixtures import api_as, api_on, api_token

URL = "/api/v1/feedback/ratings"


def _rate(asked, restaurant, score, email):
    request = asked(email=email, restaurant=restaurant)
    return rate_visit_by_link(token=link_token(request), score=score, comment=f"{score} stars")


def test_the_owner_lists_every_rating_newest_first(alpha, asked):
    first = _rate(asked, alpha.restaurants[0], 5, "a1@example.com")
    second = _rate(asked, alpha.restaurants[1], 2, "a2@example.com")

    body = api_as(alpha, Role.OWNER).get(URL).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert {key: body["results"][0][key] for key in ("score", "comment", "restaurant_name", "channel")} == {
        "score": 2,
        "comment": "2 stars",
        "restaurant_name": "Alpha Riverside",
        "channel": "email",
    }


def test_filters_by_restaurant_score_and_period(alpha, asked):
    _rate(asked, alpha.restaurants[0], 5, "b1@example.com")
    low = _rate(asked, alpha.restaurants[0], 1, "b2@example.com")
    _rate(asked, alpha.restaurants[1], 1, "b3@example.com")
    api = api_as(alpha, Role.ADMIN)
    today = timezone.now().astimezone(chain_time_zone()).date()  # the API reads days in the chain's zone
    tomorrow = today + datetime.timedelta(days=1)

    by_both = api.get(URL, {"restaurant": alpha.restaurants[0].pk, "score": 1}).json()
    in_period = api.get(URL, {"start": today.isoformat(), "end": today.isoformat()}).json()
    later = api.get(URL, {"start": tomorrow.isoformat()}).json()

    assert [row["id"] for row in by_both["results"]] == [low.pk]
    assert in_period["count"] == 3
    assert later["count"] == 0


def test_a_manager_sees_only_their_restaurants_ratings(alpha, asked):
    mine = _rate(asked, alpha.restaurants[0], 3, "c1@example.com")
    _rate(asked, alpha.restaurants[1], 4, "c2@example.com")
    api = api_as(alpha, Role.MANAGER)

    everything = api.get(URL).json()
    other_restaurant = api.get(URL, {"restaurant": alpha.restaurants[1].pk}).json()

    assert [row["id"] for row in everything["results"]] == [mine.pk]
    assert other_restaurant["count"] == 0


def test_a_cashier_is_refused(alpha, asked):
    response = api_as(alpha, Role.CASHIER).get(URL)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_invalid_filter_is_a_uniform_400(alpha, asked):
    response = api_as(alpha, Role.OWNER).get(URL, {"score": "9", "start": "yesterday"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"score", "start"}


def test_one_chains_token_reads_nothing_of_another_in_either_direction(alpha, beta, asked):
    _rate(asked, alpha.restaurants[0], 2, "d1@example.com")
    beta_token, alpha_token = api_token(beta, Role.OWNER), api_token(alpha, Role.OWNER)

    on_alpha = api_on(alpha.host)
    on_alpha.credentials(HTTP_AUTHORIZATION=f"Bearer {beta_token}")
    on_beta = api_on(beta.host)
    on_beta.credentials(HTTP_AUTHORIZATION=f"Bearer {alpha_token}")
    beta_at_home = api_as(beta, Role.OWNER).get(URL)

    assert on_alpha.get(URL).status_code in (401, 403)
    assert on_beta.get(URL).status_code in (401, 403)
    assert beta_at_home.status_code == 200 and beta_at_home.json()["count"] == 0
