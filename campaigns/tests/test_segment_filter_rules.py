"""What a segment's filters may say (campaigns.rules), pure: limits, ranges, unknown names, one stored spelling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns.rules import parse_filters
from maxloyalty.errors import ValidationFailed


def refused(data: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_filters(data)
    return caught.value.fields


def test_an_empty_object_says_nothing() -> None:
    assert parse_filters({}).is_empty
    assert parse_filters(None).is_empty


def test_days_without_a_minimum_or_maximum_are_dropped() -> None:
    assert parse_filters({"visits_days": 30, "spend_days": 90}).as_json() == {}


def test_lists_lose_repeats_and_keep_a_stable_order() -> None:
    filters = parse_filters({"level_ids": [3, 1, 3], "tags": [" vip ", "vip", "kids"], "rfm_classes": ["lost", "new"]})

    assert filters.as_json() == {"level_ids": [1, 3], "tags": ["vip", "kids"], "rfm_classes": ["new", "lost"]}


def test_money_is_kept_to_the_cent_as_text() -> None:
    filters = parse_filters({"spend_days": 7, "spend_min_amount": 1500, "spend_max_amount": "2000.5"})

    assert filters.spend_min_amount == Decimal("1500.00")
    assert filters.as_json()["spend_max_amount"] == "2000.50"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"birthday_month": 0}, "filters.birthday_month"),
        ({"visits_days": 0, "visits_min": 1}, "filters.visits_days"),
        ({"visits_days": 4000, "visits_min": 1}, "filters.visits_days"),
        ({"points_min": -1}, "filters.points_min"),
        ({"points_min": True}, "filters.points_min"),
        ({"spend_days": 7, "spend_min_amount": 1.5}, "filters.spend_min_amount"),
        ({"spend_days": 7, "spend_min_amount": "-3"}, "filters.spend_min_amount"),
        ({"tags": ["x" * 51]}, "filters.tags"),
        ({"tags": "vip"}, "filters.tags"),
        ({"level_ids": [0]}, "filters.level_ids"),
        ({"level_ids": list(range(1, 200))}, "filters.level_ids"),
        ({"reachable_channels": ["pigeon"]}, "filters.reachable_channels"),
        ({"last_visit_days_min": 10, "last_visit_days_max": 5}, "filters.last_visit_days_max"),
        ({"spend_min_amount": "10"}, "filters.spend_days"),
        ({"favourite_dish": "soup"}, "filters.favourite_dish"),
    ],
)
def test_each_mistake_is_named(data: dict, field: str) -> None:
    assert field in refused(data)


def test_filters_that_are_not_an_object_are_refused() -> None:
    assert "filters" in refused(["vip"])
