"""Sending a campaign: the treated get one email each, with their own values filled in and the campaign's bonus
points; the control group gets nothing; a rerun of the batch task sends nothing twice; batches go on until all
are sent; a scheduled campaign waits for the chain's tick."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campaigns.models import CampaignStatus, RecipientGroup
from campaigns.sending import send_campaign_batch, start_due_campaigns
from campaigns.services import send_campaign
from loyalty.models import EntryKind, LedgerEntry
from messaging.models import Message


def _groups(campaign) -> dict[str, set[int]]:
    groups: dict[str, set[int]] = {RecipientGroup.TREATED: set(), RecipientGroup.CONTROL: set()}
    for recipient in campaign.recipients.all():
        groups[recipient.group].add(recipient.guest_id)
    return groups


def test_the_treated_get_one_email_each_and_the_control_group_nothing(campaign_world) -> None:
    campaign_world.guests(40)
    campaign = campaign_world.send(
        campaign_world.campaign(campaign_world.segment(), holdout_percent=50, bonus_points=50)
    )
    groups = _groups(campaign)

    assert campaign.status == CampaignStatus.SENT
    assert len(groups["treated"]) + len(groups["control"]) == 40
    assert groups["control"], "half of 40 guests: some are held out (all treated: 1 in 10^12)"
    assert set(Message.objects.filter(kind="campaign").values_list("guest_id", flat=True)) == groups["treated"]
    assert len(campaign_world.email.requests) == len(groups["treated"])
    bonus = LedgerEntry.objects.filter(kind=EntryKind.PROMO_BONUS, points=50)
    assert set(bonus.values_list("guest_id", flat=True)) == groups["treated"]


def test_each_email_names_its_guest(campaign_world) -> None:
    (guest,) = campaign_world.guests(1)
    campaign_world.send(campaign_world.campaign(campaign_world.segment(), holdout_percent=0))

    message = Message.objects.get(guest=guest, kind="campaign")

    assert message.subject == f"Hello {guest.first_name}"
    assert message.text_body == f"Dear {guest.first_name}, our autumn menu is here."


def test_a_rerun_of_the_batch_sends_nothing_twice(campaign_world) -> None:
    campaign_world.guests(6)
    campaign = campaign_world.send(campaign_world.campaign(campaign_world.segment(), holdout_percent=0))
    sent = len(campaign_world.email.requests)

    with campaign_world.run(execute=True):
        again = send_campaign_batch(campaign_id=campaign.pk)

    assert again == 0
    assert len(campaign_world.email.requests) == sent == 6
    assert Message.objects.filter(kind="campaign").count() == 6


def test_batches_go_on_until_every_treated_guest_is_sent(campaign_world, settings) -> None:
    campaign_world.guests(7)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)  # the first batch's task is not run yet

    with campaign_world.run(execute=True):
        first = send_campaign_batch(campaign_id=campaign.pk, batch=3)
    campaign.refresh_from_db()

    assert first == 3
    assert campaign.status == CampaignStatus.SENT  # the queued batches ran: 3 + 3 + 1
    assert campaign.recipients.filter(sent_at__isnull=True).count() == 0
    assert len(campaign_world.email.requests) == 7


def test_a_scheduled_campaign_starts_at_the_chain_tick_once_due(campaign_world) -> None:
    campaign_world.guests(3)
    send_at = timezone.now() + datetime.timedelta(hours=2)
    campaign = campaign_world.send(
        campaign_world.campaign(campaign_world.segment(), holdout_percent=0, send_at=send_at)
    )
    assert campaign.status == CampaignStatus.SCHEDULED

    with campaign_world.run(execute=True):
        early = start_due_campaigns(now=send_at - datetime.timedelta(minutes=1))
        due = start_due_campaigns(now=send_at)
    campaign.refresh_from_db()

    assert (early, due) == (0, 1)
    assert campaign.status == CampaignStatus.SENT
    assert len(campaign_world.email.requests) == 3


def test_the_promo_code_goes_into_the_text_and_no_points_are_given(campaign_world) -> None:
    from decimal import Decimal

    from loyalty.services import create_promo, create_promo_code

    (guest,) = campaign_world.guests(1)
    promo = create_promo(actor=None, name="Autumn x2", multiplier=Decimal(2), requires_code=True)
    code = create_promo_code(promo=promo, code="autumn26", actor=None)
    campaign_world.send(
        campaign_world.campaign(
            campaign_world.segment(),
            holdout_percent=0,
            promo_code=code.pk,
            email_text="{{ first_name }}, your code is {{ promo_code }}.",
        )
    )

    assert Message.objects.get(guest=guest, kind="campaign").text_body == f"{guest.first_name}, your code is AUTUMN26."
    assert not LedgerEntry.objects.filter(guest=guest, kind=EntryKind.PROMO_BONUS).exists()


def test_the_tick_resumes_a_campaign_whose_batches_stopped(campaign_world) -> None:
    campaign_world.guests(4)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)  # its batch task is lost: never run

    with campaign_world.run(execute=True):
        start_due_campaigns(now=timezone.now() + datetime.timedelta(minutes=1))
    soon = len(campaign_world.email.requests)
    with campaign_world.run(execute=True):
        start_due_campaigns(now=timezone.now() + datetime.timedelta(minutes=11))
    campaign.refresh_from_db()

    assert soon == 0
    assert campaign.status == CampaignStatus.SENT
    assert len(campaign_world.email.requests) == 4
