"""The replay's own rules, by hand on made-up checks (no database): points expire and are no longer redeemable;
with rolling thresholds a guest whose spend leaves the period moves down, as the nightly run would move them."""

import datetime
import zoneinfo
from decimal import Decimal

from loyalty.backtest_rules import GuestStart, ProgramVersion, Replay, ReplayCheck
from loyalty.rules import LevelSnapshot, ProgramSnapshot

ZONE = zoneinfo.ZoneInfo("Europe/Moscow")
DAY0 = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=ZONE)


def _check(day, amount, guest_id=1):
    return ReplayCheck(
        guest_id=guest_id, restaurant_id=7, at=DAY0 + datetime.timedelta(days=day), total_amount=Decimal(amount)
    )


def _version(**program):
    return ProgramVersion(program=ProgramSnapshot(**program), levels=(), promos=())


def test_expired_points_are_not_redeemable():
    current = _version(base_earn_rate_percent=Decimal(10), expiry_days=10)
    draft = _version(base_earn_rate_percent=Decimal(10))
    replay = Replay(current=current, draft=draft, starts={})
    replay.feed([_check(0, "1000"), _check(12, "1000")])
    result = replay.result()

    # Day 0 earns 100 under both; by day 12 the current program's 100 expired (after day 10), the draft's did not.
    assert (result["current"]["points_expired"], result["draft"]["points_expired"]) == (100, 0)
    assert (result["current"]["points_redeemable"], result["draft"]["points_redeemable"]) == (0, 100)
    assert (result["current"]["balance_at_end"], result["draft"]["balance_at_end"]) == (100, 200)


def test_rolling_thresholds_move_a_guest_down_when_spend_leaves_the_period():
    levels = (
        LevelSnapshot(id=1, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5)),
        LevelSnapshot(id=2, name="Gold", threshold_amount=Decimal(5000), earn_rate_percent=Decimal(10)),
    )
    rolling = ProgramVersion(
        program=ProgramSnapshot(level_threshold_mode="rolling", level_rolling_days=30), levels=levels, promos=()
    )
    lifetime = ProgramVersion(program=ProgramSnapshot(), levels=levels, promos=())
    replay = Replay(current=lifetime, draft=rolling, starts={1: GuestStart()})
    replay.feed([_check(0, "6000"), _check(10, "1000"), _check(45, "1000")])
    result = replay.result()

    # Lifetime: 300 (base 5 %, then Gold), 100, 100. Rolling: 300, 100 (Gold), then the 30 days before day 45
    # hold no spend: Silver again, 50.
    assert (result["current"]["points_issued"], result["draft"]["points_issued"]) == (500, 450)
    assert result["current"]["guests_per_level"] == {"Gold": 1}
    assert result["draft"]["guests_per_level"] == {"Silver": 1}


def test_warm_up_checks_count_toward_rolling_spend_only():
    levels = (LevelSnapshot(id=2, name="Gold", threshold_amount=Decimal(5000), earn_rate_percent=Decimal(10)),)
    rolling = ProgramVersion(
        program=ProgramSnapshot(level_threshold_mode="rolling", level_rolling_days=30), levels=levels, promos=()
    )
    replay = Replay(current=rolling, draft=rolling, starts={})
    before = ReplayCheck(guest_id=1, restaurant_id=7, at=DAY0, total_amount=Decimal(6000), counts=False)
    replay.feed([before, _check(5, "1000")])
    result = replay.result()

    assert result["checks"] == 1
    assert result["current"]["points_issued"] == 100  # Gold's 10 %: the 6000 of five days before counts
