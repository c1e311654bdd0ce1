"""The control group is drawn by a hash of campaign and guest: the same every time, the share asked for, and
independent from one campaign to the next; the stored split is that draw."""

from __future__ import annotations

from campaigns.holdout import is_held_out
from campaigns.models import RecipientGroup

GUESTS = range(1, 20_001)


def test_the_control_share_is_the_holdout_share() -> None:
    held_out = sum(is_held_out(campaign_id=7, guest_id=guest_id, holdout_percent=10) for guest_id in GUESTS)

    # 10 % of 20 000 = 2 000, sd = sqrt(20 000 * 0.1 * 0.9) ≈ 42: four sd either side.
    assert 1_830 <= held_out <= 2_170


def test_the_draw_is_the_same_every_time() -> None:
    first = [is_held_out(campaign_id=3, guest_id=guest_id, holdout_percent=25) for guest_id in GUESTS]
    again = [is_held_out(campaign_id=3, guest_id=guest_id, holdout_percent=25) for guest_id in GUESTS]

    assert first == again


def test_two_campaigns_hold_out_independent_groups() -> None:
    first = {guest_id for guest_id in GUESTS if is_held_out(campaign_id=1, guest_id=guest_id, holdout_percent=50)}
    second = {guest_id for guest_id in GUESTS if is_held_out(campaign_id=2, guest_id=guest_id, holdout_percent=50)}

    # Independent: a quarter of the guests are in both control groups (5 000, sd ≈ 61); the same draw would be 10 000.
    assert 4_750 <= len(first & second) <= 5_250


def test_no_holdout_holds_out_nobody_and_ninety_percent_most() -> None:
    assert not any(is_held_out(campaign_id=5, guest_id=guest_id, holdout_percent=0) for guest_id in GUESTS)
    assert 17_700 <= sum(is_held_out(campaign_id=5, guest_id=g, holdout_percent=90) for g in GUESTS) <= 18_300


def test_the_stored_split_is_the_draw(campaign_world) -> None:
    guests = campaign_world.guests(30)
    campaign = campaign_world.send(campaign_world.campaign(campaign_world.segment(), holdout_percent=40))

    stored = {recipient.guest_id: recipient.group for recipient in campaign.recipients.all()}

    assert stored == {
        guest.pk: RecipientGroup.CONTROL
        if is_held_out(campaign_id=campaign.pk, guest_id=guest.pk, holdout_percent=40)
        else RecipientGroup.TREATED
        for guest in guests
    }
