"""The earn/spend table: what a check earns and what may be spent, from settings, level, promos and the check."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import translation

from loyalty.rules import (
    Check,
    CheckLine,
    LevelSnapshot,
    ProgramSnapshot,
    PromoSnapshot,
    birthday_in_window,
    level_for_spend,
    quote_check,
)

PROGRAM = ProgramSnapshot(base_earn_rate_percent=Decimal(5), max_redeem_share_percent=Decimal(50))
SILVER = LevelSnapshot(id=1, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(7))
GOLD = LevelSnapshot(
    id=2,
    name="Gold",
    threshold_amount=Decimal(50000),
    earn_rate_percent=Decimal(10),
    redemption_cap_percent=Decimal(80),
)
FRIDAY_EVENING = datetime(2025, 3, 14, 19, 30)  # a Friday
MONDAY_NOON = datetime(2025, 3, 10, 12, 0)
LINES = (
    CheckLine("1", "Steak", "food", Decimal(1), Decimal(800)),
    CheckLine("2", "Wine", "alcohol", Decimal(2), Decimal(300), discount=Decimal(100)),
    CheckLine("3", "Cake", "desserts", Decimal(1), Decimal(200)),
)  # net 800 + 500 + 200 = 1500
DOUBLE_FRIDAY = PromoSnapshot(id=10, name="Double Friday", multiplier=Decimal(2), weekdays=frozenset({5}))
TRIPLE_EVENING = PromoSnapshot(
    id=11, name="Triple evening", multiplier=Decimal(3), starts_at_time=time(18), ends_at_time=time(23)
)
BONUS_50 = PromoSnapshot(id=12, name="+50", bonus_points=50, combination="stackable")
DESSERT_X2 = PromoSnapshot(id=13, name="Desserts x2", multiplier=Decimal(2), categories=frozenset({"desserts"}))
VIP_ONLY = PromoSnapshot(id=14, name="VIP", bonus_points=100, guest_tags=frozenset({"vip"}), combination="stackable")
GOLD_ONLY = PromoSnapshot(id=15, name="Gold club", bonus_points=30, level_ids=frozenset({2}), combination="stackable")
CENTER_ONLY = PromoSnapshot(
    id=16, name="Center", bonus_points=20, restaurant_ids=frozenset({7}), combination="stackable"
)
MARCH_ONLY = PromoSnapshot(
    id=17, name="March", bonus_points=10, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31), combination="stackable"
)
CODE_PROMO = PromoSnapshot(id=18, name="Code", bonus_points=40, codes=frozenset({"SPRING"}), combination="stackable")
NIGHT = PromoSnapshot(id=19, name="Night", bonus_points=15, starts_at_time=time(22), ends_at_time=time(2))


def check(amount="1000", **kwargs):
    return Check(total_amount=Decimal(amount), at=kwargs.pop("at", MONDAY_NOON), **kwargs)


CASES = [
    # id, program, level, promos, check, available, tags -> earn, max_spend, spend, applied promo ids, refusal codes
    ("base rate 5% of 1000", PROGRAM, None, [], check(), 0, (), 50, 0, 0, [], []),
    ("level rate replaces base rate", PROGRAM, GOLD, [], check(), 0, (), 100, 0, 0, [], []),
    ("rounding down drops fractions", PROGRAM, None, [], check("999"), 0, (), 49, 0, 0, [], []),
    (
        "rounding half up",
        ProgramSnapshot(rounding="half_up"),
        None,
        [],
        check("990"),
        0,
        (),
        50,
        0,
        0,
        [],
        [],
    ),
    ("rounding up", ProgramSnapshot(rounding="up"), None, [], check("981"), 0, (), 50, 0, 0, [], []),
    (
        "excluded category earns nothing",
        ProgramSnapshot(excluded_categories=frozenset({"alcohol"})),
        None,
        [],
        check("1500", lines=LINES),
        0,
        (),
        50,  # (800 + 200) × 5%
        0,
        0,
        [],
        [],
    ),
    (
        "check-level discount spreads over lines",
        ProgramSnapshot(excluded_categories=frozenset({"alcohol"})),
        None,
        [],
        check("750", lines=LINES),  # half of the lines' 1500
        0,
        (),
        25,
        0,
        0,
        [],
        [],
    ),
    (
        "before-discounts base counts gross prices",
        ProgramSnapshot(earn_base="before_discounts"),
        None,
        [],
        check("1500", lines=LINES),
        0,
        (),
        80,  # (800 + 600 + 200) × 5%
        0,
        0,
        [],
        [],
    ),
    (
        "points paid earn nothing",
        PROGRAM,
        None,
        [],
        check(points_to_spend=200),
        1000,
        (),
        40,  # (1000 − 200) × 5%
        500,
        200,
        [],
        [],
    ),
    (
        "after-discounts base includes points paid",
        ProgramSnapshot(earn_base="after_discounts"),
        None,
        [],
        check(points_to_spend=200),
        1000,
        (),
        50,
        500,
        200,
        [],
        [],
    ),
    (
        "max share of the check caps spending",
        PROGRAM,
        None,
        [],
        check(points_to_spend=700),
        1000,
        (),
        25,
        500,
        500,
        [],
        ["max_share"],
    ),
    (
        "level cap replaces program cap",
        PROGRAM,
        GOLD,
        [],
        check(points_to_spend=700),
        1000,
        (),
        30,  # (1000 − 700) × 10%
        800,
        700,
        [],
        [],
    ),
    (
        "balance caps spending",
        PROGRAM,
        None,
        [],
        check(points_to_spend=300),
        120,
        (),
        44,
        120,
        120,
        [],
        ["insufficient_points"],
    ),
    (
        "below minimum nothing is spent",
        ProgramSnapshot(min_redeem_points=100),
        None,
        [],
        check(points_to_spend=50),
        1000,
        (),
        50,
        500,
        0,
        [],
        ["min_points"],
    ),
    (
        "balance below minimum: max spend 0",
        ProgramSnapshot(min_redeem_points=100),
        None,
        [],
        check(points_to_spend=80),
        80,
        (),
        50,
        0,
        0,
        [],
        ["min_points"],
    ),
    (
        "point value 0.5: twice the points, half the money",
        ProgramSnapshot(point_value_amount=Decimal("0.5")),
        None,
        [],
        check(points_to_spend=1200),
        5000,
        (),
        50,  # (1000 − 1000 × 0.5) × 5% / 0.5
        1000,
        1000,
        [],
        ["max_share"],
    ),
    (
        "weekday promo applies on its day",
        PROGRAM,
        None,
        [DOUBLE_FRIDAY],
        check(at=FRIDAY_EVENING),
        0,
        (),
        100,
        0,
        0,
        [10],
        [],
    ),
    ("weekday promo not on other days", PROGRAM, None, [DOUBLE_FRIDAY], check(), 0, (), 50, 0, 0, [], []),
    (
        "best-of: only the biggest applies",
        PROGRAM,
        None,
        [DOUBLE_FRIDAY, TRIPLE_EVENING],
        check(at=FRIDAY_EVENING),
        0,
        (),
        150,
        0,
        0,
        [11],
        [],
    ),
    (
        "stackable adds on top of the best-of winner",
        PROGRAM,
        None,
        [DOUBLE_FRIDAY, TRIPLE_EVENING, BONUS_50],
        check(at=FRIDAY_EVENING),
        0,
        (),
        200,
        0,
        0,
        [11, 12],
        [],
    ),
    (
        "category promo multiplies only its lines",
        PROGRAM,
        None,
        [DESSERT_X2],
        check("1500", lines=LINES),
        0,
        (),
        85,  # 75 + 200 × 5%
        0,
        0,
        [13],
        [],
    ),
    ("category promo needs a line of it", PROGRAM, None, [DESSERT_X2], check(), 0, (), 50, 0, 0, [], []),
    ("tag promo for tagged guests", PROGRAM, None, [VIP_ONLY], check(), 0, ("vip",), 150, 0, 0, [14], []),
    ("tag promo not for others", PROGRAM, None, [VIP_ONLY], check(), 0, ("new",), 50, 0, 0, [], []),
    ("level promo for its level", PROGRAM, GOLD, [GOLD_ONLY], check(), 0, (), 130, 0, 0, [15], []),
    ("level promo not for other levels", PROGRAM, SILVER, [GOLD_ONLY], check(), 0, (), 70, 0, 0, [], []),
    (
        "restaurant promo in its restaurant",
        PROGRAM,
        None,
        [CENTER_ONLY],
        check(restaurant_id=7),
        0,
        (),
        70,
        0,
        0,
        [16],
        [],
    ),
    ("restaurant promo not elsewhere", PROGRAM, None, [CENTER_ONLY], check(restaurant_id=8), 0, (), 50, 0, 0, [], []),
    ("date range promo inside it", PROGRAM, None, [MARCH_ONLY], check(), 0, (), 60, 0, 0, [17], []),
    (
        "date range promo outside it",
        PROGRAM,
        None,
        [MARCH_ONLY],
        check(at=datetime(2025, 4, 1, 12)),
        0,
        (),
        50,
        0,
        0,
        [],
        [],
    ),
    ("code promo with its code", PROGRAM, None, [CODE_PROMO], check(promo_code=" spring "), 0, (), 90, 0, 0, [18], []),
    ("code promo without it", PROGRAM, None, [CODE_PROMO], check(), 0, (), 50, 0, 0, [], []),
    (
        "hours past midnight: 01:00 is inside 22–02",
        PROGRAM,
        None,
        [NIGHT],
        check(at=datetime(2025, 3, 11, 1, 0)),
        0,
        (),
        65,
        0,
        0,
        [19],
        [],
    ),
    ("hours past midnight: noon is outside", PROGRAM, None, [NIGHT], check(), 0, (), 50, 0, 0, [], []),
    ("zero check earns nothing", PROGRAM, None, [], check("0"), 100, (), 0, 0, 0, [], []),
]


@pytest.mark.parametrize(
    (
        "program",
        "level",
        "promos",
        "the_check",
        "available",
        "tags",
        "earn",
        "max_spend",
        "spend",
        "promo_ids",
        "refusals",
    ),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_quote_table(program, level, promos, the_check, available, tags, earn, max_spend, spend, promo_ids, refusals):
    quote = quote_check(program, level, promos, the_check, available, tags)
    assert quote.earn_points == earn
    assert quote.max_spend_points == max_spend
    assert quote.spend_points == spend
    assert [promo.promo_id for promo in quote.applied_promos] == promo_ids
    assert sorted(refusal.code for refusal in quote.refusals) == sorted(refusals)
    assert quote.base_points + sum(promo.points for promo in quote.applied_promos) == quote.earn_points


def test_refusal_names_the_limit_and_its_figure():
    with translation.override("en"):
        quote = quote_check(PROGRAM, None, [], check(points_to_spend=700), 1000)
    assert quote.refused_reason == "Points may pay at most 50% of the check (500 points)."
    assert quote.refusals[0].limit == 500


def test_level_for_spend_picks_highest_reached_threshold():
    bronze = LevelSnapshot(id=3, name="Bronze", threshold_amount=Decimal(10000), earn_rate_percent=Decimal(6))
    levels = [SILVER, bronze, GOLD]
    assert level_for_spend(levels, Decimal(9999)) == SILVER
    assert level_for_spend(levels, Decimal(10000)) == bronze
    assert level_for_spend(levels, Decimal(1000000)) == GOLD
    assert level_for_spend([bronze], Decimal(5)) is None


@pytest.mark.parametrize(
    ("birthday", "today", "before", "after", "expected"),
    [
        (date(1990, 6, 10), date(2025, 6, 10), 0, 0, date(2025, 6, 10)),
        (date(1990, 6, 10), date(2025, 6, 8), 3, 0, date(2025, 6, 10)),
        (date(1990, 6, 10), date(2025, 6, 12), 0, 3, date(2025, 6, 10)),
        (date(1990, 6, 10), date(2025, 6, 14), 3, 3, None),
        (date(1990, 1, 2), date(2024, 12, 30), 5, 0, date(2025, 1, 2)),  # window across new year
        (date(2000, 2, 29), date(2025, 2, 28), 0, 0, date(2025, 2, 28)),  # leap-day birthday in other years
    ],
)
def test_birthday_window(birthday, today, before, after, expected):
    assert birthday_in_window(birthday, today, days_before=before, days_after=after) == expected
