"""Replayed under the program in force, the period's checks earn and spend exactly what production wrote for them:
the backtest's current side is the production path's own figures (seeded: levels crossed, points spent, promos)."""

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from loyalty.models import AppliedCheck, PointsAccount
from loyalty.program_draft import draft_version, version_data
from loyalty.rules import Check
from loyalty.selectors import current_program_version, local_now
from loyalty.services import apply_check, create_level, create_promo
from loyalty.services.backtests import replay_period
from loyalty.tests.factories import GuestFactory


def _history(alpha, seed):
    create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(3))
    create_level(actor=None, name="Gold", threshold_amount=Decimal(8000), earn_rate_percent=Decimal(7))
    create_level(
        actor=None,
        name="Platinum",
        threshold_amount=Decimal(20000),
        earn_rate_percent=Decimal(12),
        redemption_cap_percent=Decimal(80),
    )
    create_promo(actor=None, name="Double Tuesday", multiplier=Decimal(2), weekdays=[2])
    create_promo(actor=None, name="Riverside bonus", bonus_points=25, restaurant_ids=[alpha.restaurants[1].pk])
    rng = random.Random(seed)
    guests = [GuestFactory(home_restaurant=alpha.restaurants[0]) for _ in range(8)]
    now = local_now()
    moments = sorted(
        now - datetime.timedelta(days=rng.uniform(0.5, 29), minutes=rng.randint(0, 600)) for _ in range(70)
    )
    for number, moment in enumerate(moments):
        guest, restaurant = rng.choice(guests), rng.choice(alpha.restaurants)
        apply_check(
            guest=guest,
            check=Check(
                total_amount=Decimal(rng.randint(300, 6000)),
                at=moment,
                points_to_spend=rng.choice([0, 0, 0, 100, 400, 2000]),
                restaurant_id=restaurant.pk,  # as the POS and the till send it
            ),
            restaurant=restaurant,
            idempotency_key=f"history-{number}",
        )


def test_current_program_replay_equals_what_production_issued(alpha):
    _history(alpha, seed=27)
    now = local_now()
    current = current_program_version()
    result = replay_period(
        draft=draft_version(version_data(current), base=current.program),
        start=now - datetime.timedelta(days=30),
        end=now + datetime.timedelta(seconds=1),
    )

    checks = AppliedCheck.objects.all()
    totals = checks.aggregate(earned=Sum("points_earned"), spent=Sum("points_spent"))
    assert result["checks"] == checks.count() == 70
    assert result["current"]["points_issued"] == totals["earned"]
    assert result["current"]["points_spent"] == totals["spent"]
    per_restaurant = {
        row["restaurant_id"]: (row["current"]["points_issued"], row["current"]["points_spent"])
        for row in result["restaurants"]
    }
    production = {
        row["restaurant_id"]: (row["earned"], row["spent"])
        for row in checks.values("restaurant_id").annotate(earned=Sum("points_earned"), spent=Sum("points_spent"))
    }
    assert per_restaurant == production
    levels_now = Counter(PointsAccount.objects.filter(level__isnull=False).values_list("level__name", flat=True))
    assert result["current"]["guests_per_level"] == dict(levels_now)
    assert result["current"]["balance_at_end"] == sum(PointsAccount.objects.values_list("available", flat=True))


def test_a_draft_equal_to_the_program_changes_nothing(alpha):
    _history(alpha, seed=4)
    now = local_now()
    current = current_program_version()
    result = replay_period(
        draft=draft_version(version_data(current), base=current.program),
        start=now - datetime.timedelta(days=30),
        end=now + datetime.timedelta(seconds=1),
    )

    assert result["draft"] == result["current"]
    assert result["most_changed_guests"] == []
