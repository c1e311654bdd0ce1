"""A campaign's results against a dataset computed by hand: the treated and the control group's visits, revenue and
points redeemed after the send, not before (checks through loyalty.services.apply_check), the uplift with its 95 % interval
(difference of proportions, Welch for means), the messages' outcomes and whether it paid for itself."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import pytest

from campaigns.models import RecipientGroup
from campaigns.results import campaign_results
from loyalty import rules
from loyalty.services import apply_check

Z = 1.959963984540054


def _check(guest_id: int, amount: str, key: str, points: int = 0) -> None:
    from guests.models import Guest

    apply_check(
        guest=Guest.objects.get(pk=guest_id),
        check=rules.Check(total_amount=Decimal(amount), points_to_spend=points),
        restaurant=None,
        idempotency_key=key,
    )


def _welch(treated: list[float], control: list[float]) -> tuple[float, float, float]:
    difference = statistics.fmean(treated) - statistics.fmean(control)
    error = math.sqrt(statistics.variance(treated) / len(treated) + statistics.variance(control) / len(control))
    return difference, difference - Z * error, difference + Z * error


@pytest.fixture
def sent_campaign(campaign_world):
    guests = campaign_world.guests(30)
    for guest in guests:  # before the send: counted in no window
        _check(guest.pk, "9999.00", f"before-{guest.pk}")
    campaign = campaign_world.send(
        campaign_world.campaign(campaign_world.segment(), holdout_percent=50, bonus_points=100)
    )
    treated = sorted(campaign.recipients.filter(group=RecipientGroup.TREATED).values_list("guest_id", flat=True))
    control = sorted(campaign.recipients.filter(group=RecipientGroup.CONTROL).values_list("guest_id", flat=True))
    assert len(treated) >= 3 and len(control) >= 3
    # After the send: two treated guests come back (one twice, one spending 40 of their bonus points), one control.
    _check(treated[0], "1000.00", "t0-a")
    _check(treated[0], "500.00", "t0-b")
    _check(treated[1], "800.00", "t1", points=40)
    _check(control[0], "300.00", "c0")
    return campaign, len(treated), len(control)


def test_the_visit_share_uplift_is_the_difference_of_proportions(sent_campaign) -> None:
    campaign, nt, nc = sent_campaign

    share = campaign_results(campaign).windows[0].visited_share

    pt, pc = 2 / nt, 1 / nc
    error = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    assert share.difference == pytest.approx(pt - pc)
    assert (share.low, share.high) == (pytest.approx(pt - pc - Z * error), pytest.approx(pt - pc + Z * error))


def test_visits_revenue_and_points_per_guest_use_welch(sent_campaign) -> None:
    campaign, nt, nc = sent_campaign

    window = campaign_results(campaign).windows[0]

    expected = {
        "visits_per_guest": ([2, 1] + [0] * (nt - 2), [1] + [0] * (nc - 1)),
        "revenue_per_guest": ([1500, 800] + [0] * (nt - 2), [300] + [0] * (nc - 1)),
        "points_redeemed_per_guest": ([0, 40] + [0] * (nt - 2), [0] * nc),
    }
    for name, (treated, control) in expected.items():
        uplift = getattr(window, name)
        assert (uplift.difference, uplift.low, uplift.high) == pytest.approx(_welch(treated, control)), name


def test_every_window_counts_the_visits_after_the_send(sent_campaign) -> None:
    campaign, nt, nc = sent_campaign

    windows = campaign_results(campaign).windows

    assert [window.days for window in windows] == [7, 14, 30]
    assert {(window.treated_size, window.control_size) for window in windows} == {(nt, nc)}
    assert not any(window.is_complete for window in windows)
    assert [window.revenue_per_guest.treated for window in windows] == pytest.approx([2300 / nt] * 3)


def test_the_cost_is_weighed_against_the_revenue_uplift(sent_campaign) -> None:
    campaign, nt, nc = sent_campaign

    cost = campaign_results(campaign).cost

    assert cost.bonus_points == 100 * nt
    assert cost.bonus_amount == Decimal(100 * nt)  # one point is worth 1 by default
    assert cost.messages_amount == Decimal("0.10") * nt
    uplift = (Decimal(2300) / nt - Decimal(300) / nc) * nt
    assert cost.revenue_uplift_amount == uplift.quantize(Decimal("0.01"))
    assert cost.pays_for_itself == (uplift > Decimal(100 * nt) + Decimal("0.10") * nt)


def test_the_messages_outcomes_count_the_treated_only(sent_campaign) -> None:
    campaign, nt, _nc = sent_campaign

    messages = campaign_results(campaign).messages

    assert (messages.messages, messages.sent, messages.failed, messages.suppressed) == (nt, nt, 0, 0)
    assert (messages.opened, messages.clicked) == (0, 0)  # email reports them; none came in
