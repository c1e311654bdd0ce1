"""The draft page edits levels and promos as rows (formsets of the production level and promo forms): a level is
changed, added and removed, a promo set up with its fields, and each problem is shown on the row it concerns, in
words, the draft left as it was."""

from decimal import Decimal

import pytest

from loyalty.models import ProgramDraft
from loyalty.services import create_draft, create_level, create_promo
from tests.fixtures import signed_in_client


@pytest.fixture
def draft(alpha):
    create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(3))
    create_level(actor=None, name="Gold", threshold_amount=Decimal(10000), earn_rate_percent=Decimal(6))
    create_promo(actor=None, name="Happy hour", multiplier=Decimal(2), weekdays=[1, 2], categories=["Bar"])
    return create_draft(actor=None, name="Rows")


def _program(draft):
    program = draft.data["program"]
    return {
        "name": draft.name,
        "excluded_categories": ", ".join(program["excluded_categories"]),
        **{
            name: program[name]
            for name in (
                "base_earn_rate_percent",
                "rounding",
                "earn_base",
                "point_value_amount",
                "min_redeem_points",
                "max_redeem_share_percent",
                "activation_delay_hours",
                "expiry_days",
                "level_threshold_mode",
                "level_rolling_days",
            )
        },
    }


def _levels(rows, *, initial):
    data = {"levels-TOTAL_FORMS": len(rows), "levels-INITIAL_FORMS": initial}
    for index, row in enumerate(rows):
        data.update({f"levels-{index}-{name}": value for name, value in row.items() if value is not None})
    return data


def _promos(rows, *, initial):
    data = {"promos-TOTAL_FORMS": len(rows), "promos-INITIAL_FORMS": initial}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"promos-{index}-{name}"] = value
    return data


def _saved_promo(draft):
    promo = draft.data["promos"][0]
    return {
        "id": promo["id"],
        "name": promo["name"],
        "multiplier": promo["multiplier"],
        "bonus_points": promo["bonus_points"],
        "combination": promo["combination"],
        "weekdays": promo["weekdays"],
        "categories": ",".join(promo["categories"]),
    }


def test_the_page_shows_levels_and_promos_as_rows(alpha, draft):
    page = signed_in_client(alpha, "owner").get(f"/loyalty/drafts/{draft.pk}/").content.decode()
    assert page.count('data-testid="level-row"') == 4  # two levels, a blank row, and the template's empty row
    assert 'name="levels-1-name" value="Gold"' in page
    assert 'name="promos-0-categories" value="Bar"' in page
    assert 'name="levels-TOTAL_FORMS" value="3"' in page
    assert "__prefix__" in page  # the empty row "Add a level" copies
    assert "levels-0-name" in page and 'class="code"' not in page  # no JSON text areas any more


def test_a_level_is_edited_added_and_removed_through_rows(alpha, draft):
    silver, gold = draft.data["levels"]
    promo = _saved_promo(draft)
    promo["level_ids"] = [gold["id"]]
    data = {
        **_program(draft),
        **_levels(
            [
                {"id": silver["id"], "name": "Silver", "threshold_amount": "0", "earn_rate_percent": "4"},
                {
                    "id": gold["id"],
                    "name": "Gold",
                    "threshold_amount": "10000",
                    "earn_rate_percent": "6",
                    "DELETE": "on",
                },
                {
                    "name": "Platinum",
                    "threshold_amount": "25000",
                    "earn_rate_percent": "9",
                    "redemption_cap_percent": "80",
                },
            ],
            initial=2,
        ),
        **_promos([{**promo, "level_ids": []}], initial=1),
    }
    response = signed_in_client(alpha, "owner").post(f"/loyalty/drafts/{draft.pk}/", data)
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert [(level["name"], level["earn_rate_percent"]) for level in draft.data["levels"]] == [
        ("Silver", "4"),
        ("Platinum", "9"),
    ]
    platinum = draft.data["levels"][1]
    assert platinum["id"] < 0 and platinum["redemption_cap_percent"] == "80"
    assert silver["id"] == draft.data["levels"][0]["id"]
    (saved,) = draft.data["promos"]
    assert (saved["name"], saved["weekdays"], saved["categories"]) == ("Happy hour", [1, 2], ["Bar"])


def test_a_new_promo_row_keeps_the_production_promo_fields(alpha, draft):
    silver, gold = draft.data["levels"]
    new_promo = {
        "name": "Gold lunch",
        "bonus_points": "50",
        "combination": "stackable",
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "weekdays": [3],
        "starts_at_time": "12:00",
        "ends_at_time": "15:00",
        "guest_tags": "vip, regular",
        "categories": "Lunch",
        "requires_code": "on",
        "restaurant_ids": [alpha.restaurants[1].pk],
        "level_ids": [gold["id"]],
    }
    data = {
        **_program(draft),
        **_levels(
            [
                {key: level[key] for key in ("id", "name", "threshold_amount", "earn_rate_percent")}
                for level in (silver, gold)
            ],
            initial=2,
        ),
        **_promos([_saved_promo(draft), new_promo], initial=1),
    }
    assert signed_in_client(alpha, "admin").post(f"/loyalty/drafts/{draft.pk}/", data).status_code == 302
    draft.refresh_from_db()
    lunch = next(promo for promo in draft.data["promos"] if promo["name"] == "Gold lunch")
    assert lunch["id"] < 0
    assert {key: lunch[key] for key in new_promo} == {
        **new_promo,
        "bonus_points": 50,
        "requires_code": True,
        "starts_at_time": "12:00:00",
        "ends_at_time": "15:00:00",
        "guest_tags": ["regular", "vip"],
        "categories": ["Lunch"],
    }


def test_problems_are_shown_on_their_rows_and_nothing_is_saved(alpha, draft):
    silver, _gold = draft.data["levels"]
    before = draft.data
    client = signed_in_client(alpha, "owner")
    too_high = {
        **_program(draft),
        **_levels(
            [{**{key: silver[key] for key in ("id", "name", "threshold_amount")}, "earn_rate_percent": "150"}],
            initial=1,
        ),
        **_promos([_saved_promo(draft)], initial=1),
    }
    page = client.post(f"/loyalty/drafts/{draft.pk}/", too_high).content.decode()
    assert "Ensure this value is less than or equal to 100." in page  # the production level form's own check

    same_threshold = {
        **_program(draft),
        **_levels(
            [
                {key: silver[key] for key in ("id", "name", "threshold_amount", "earn_rate_percent")},
                {"name": "Bronze", "threshold_amount": "0", "earn_rate_percent": "1"},
            ],
            initial=1,
        ),
        **_promos([{**_saved_promo(draft), "multiplier": "1", "bonus_points": "0"}], initial=1),
    }
    response = client.post(f"/loyalty/drafts/{draft.pk}/", same_threshold)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Two levels have the same value." in page
    assert "Give a multiplier above 1 or a fixed bonus." in page
    assert "levels.1" not in page and "promos.0" not in page  # said on the row, not as a path
    assert ProgramDraft.objects.get(pk=draft.pk).data == before
