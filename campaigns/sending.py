"""Sending a campaign, batch by batch (each batch one campaigns.tasks.send_campaign_batch task on the messaging
queue): the segment is evaluated once and split into the treated and the control group (campaigns.holdout), then
the treated are sent the message through messaging.services.send_to_guests (a batch at a time, in a fixed number
of statements) and given the campaign's bonus points.

A rerun sends nothing twice: the split is stored once (a unique row per campaign and guest), each message has a
dedupe key per campaign and guest, each grant an idempotency key per campaign and guest, and a batch that fails
rolls back whole and is done again by the next run.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import resolve_access
from accounts.roles import Permission
from campaigns.holdout import is_held_out
from campaigns.models import Campaign, CampaignChannel, CampaignRecipient, CampaignStatus, RecipientGroup
from campaigns.selectors import due_campaign_ids, segment_guests
from guests.models import Guest
from loyalty.models import EntryKind
from loyalty.services.ledger import BonusGrant, grant_program_bonuses
from maxloyalty.current_schema import current_schema_name
from maxloyalty.task_queue import enqueue_after_commit
from messaging.channels import reachable_condition
from messaging.models import Message, MessageStatus
from messaging.pacing import BATCH_HOLD_SECONDS, hold_seconds, holds_back
from messaging.services import ContentForGuest, GuestSend, MessageContent, send_to_guests
from messaging.templating import guest_context, render_text
from tenants.models import Chain

BATCH_TASK = "campaigns.tasks.send_campaign_batch"
BATCH_SIZE = 200
SPLIT_CHUNK = 5000
# A sending campaign untouched this long has lost its batch task (or its batch failed): the tick queues it again.
STALLED_AFTER = datetime.timedelta(minutes=10)


def message_key(campaign_id: int, guest_id: int) -> str:
    return f"campaign:{campaign_id}:guest:{guest_id}"


def _chain() -> Chain | None:
    return Chain.objects.filter(schema_name=current_schema_name()).first()


def audience(campaign: Campaign) -> QuerySet[Guest]:
    """The segment's members now, as its creator may see them (a manager: their restaurants' guests), reachable for
    marketing on at least one of the campaign's channels."""
    chain = _chain()
    creator = campaign.created_by
    access = resolve_access(creator, chain.pk) if creator is not None and chain is not None else None
    if access is None:
        return Guest.objects.none()
    members = segment_guests(campaign.segment, None if access.can(Permission.MANAGE_SEGMENTS) else access)
    return members.filter(reduce(or_, (reachable_condition(channel) for channel in campaign.channels), Q()))


def _chunks(ids: Iterator[int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    for guest_id in ids:
        chunk.append(guest_id)
        if len(chunk) == SPLIT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def split_members(campaign: Campaign) -> int:
    """Store the audience split into treated and control (campaigns.holdout); the members stored."""
    stored = 0
    ids = audience(campaign).values_list("pk", flat=True).iterator(chunk_size=SPLIT_CHUNK)
    for chunk in _chunks(ids):
        rows = [
            CampaignRecipient(
                campaign=campaign,
                guest_id=guest_id,
                group=RecipientGroup.CONTROL
                if is_held_out(campaign_id=campaign.pk, guest_id=guest_id, holdout_percent=campaign.holdout_percent)
                else RecipientGroup.TREATED,
            )
            for guest_id in chunk
        ]
        stored += len(CampaignRecipient.objects.bulk_create(rows, ignore_conflicts=True))
    return stored


def _content_maker(campaign: Campaign, chain_name: str) -> ContentForGuest:
    extra = {
        "bonus_points": str(campaign.bonus_points) if campaign.bonus_points else "",
        "promo_code": campaign.promo_code.code if campaign.promo_code is not None else "",
    }

    def content_for(guest: Guest, channel: str) -> MessageContent:  # one of campaign.channels (allowed_channels)
        context = guest_context(guest, chain_name=chain_name, extra=extra)
        if channel == CampaignChannel.EMAIL:
            return MessageContent(
                text=render_text(campaign.email_text, context),
                subject=render_text(campaign.email_subject, context),
                html=render_text(campaign.email_html, context, html=True),
            )
        text = campaign.sms_text if channel == CampaignChannel.SMS else campaign.telegram_text
        return MessageContent(text=render_text(text, context))

    return content_for


def _send_batch(
    campaign: Campaign, recipients: list[CampaignRecipient], chain_name: str, now: datetime.datetime
) -> None:
    """The batch's messages in a few statements (messaging.services.send_to_guests), the bonuses through the
    ledger's batch grant (loyalty.services.grant_program_bonuses), the recipients marked in one UPDATE."""
    messages = send_to_guests(
        sends=[GuestSend(guest_id=r.guest_id, dedupe_key=message_key(campaign.pk, r.guest_id)) for r in recipients],
        kind="campaign",
        content_for=_content_maker(campaign, chain_name),
        allowed_channels=campaign.channels,
        is_marketing=True,
        now=now,
    )
    if campaign.bonus_points:
        grant_program_bonuses(
            grants=[
                BonusGrant(recipient.guest_id, campaign.bonus_points, message_key(campaign.pk, recipient.guest_id))
                for recipient in recipients
                if (message := messages.get(message_key(campaign.pk, recipient.guest_id))) is not None
                and message.status != MessageStatus.SUPPRESSED  # None: the guest is gone
            ],
            kind=EntryKind.PROMO_BONUS,
            reason=_("Campaign “%(name)s”") % {"name": campaign.name},
        )
    # One UPDATE: each recipient's message found by its dedupe key (message_key's, unique), NULL for a guest gone.
    key = Concat(
        Value("campaign:"),
        Cast(OuterRef("campaign_id"), CharField()),
        Value(":guest:"),
        Cast(OuterRef("guest_id"), CharField()),
    )
    CampaignRecipient.objects.filter(pk__in=[recipient.pk for recipient in recipients]).update(
        sent_at=now, message=Subquery(Message.objects.filter(dedupe_key=key).values("pk")[:1])
    )


def send_campaign_batch(*, campaign_id: int, batch: int = BATCH_SIZE, holds: int = 0) -> int:
    """One batch of a sending campaign: the split first (once), then up to `batch` treated members not yet sent;
    the next batch is queued while some remain, else the campaign is sent. How many were sent now. While the tills
    are busy the batch is queued again for later instead (messaging.pacing; `holds`: how often it was held)."""
    if holds_back(holds):
        countdown = hold_seconds(BATCH_HOLD_SECONDS, holds)
        enqueue_after_commit(BATCH_TASK, countdown=countdown, campaign_id=campaign_id, holds=holds + 1)
        return 0
    return _send_campaign_batch(campaign_id=campaign_id, batch=batch)


@transaction.atomic
def _send_campaign_batch(*, campaign_id: int, batch: int) -> int:
    campaign = (
        Campaign.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("segment", "promo_code", "created_by")
        .filter(pk=campaign_id, status=CampaignStatus.SENDING)
        .first()
    )
    if campaign is None:
        return 0  # not sending, or another worker has this campaign now
    now = timezone.now()
    if campaign.members_split_at is None:
        split_members(campaign)
        campaign.members_split_at = now
        campaign.save(update_fields=["members_split_at", "updated_at"])
    waiting = CampaignRecipient.objects.filter(
        campaign=campaign, group=RecipientGroup.TREATED, sent_at__isnull=True
    ).select_related("guest")
    recipients = list(waiting.order_by("guest_id")[:batch])
    chain = _chain()
    if recipients:
        _send_batch(campaign, recipients, chain.name if chain is not None else "", now)
    if waiting.exists():
        campaign.save(update_fields=["updated_at"])  # alive: the tick leaves it to its own next batch
        enqueue_after_commit(BATCH_TASK, campaign_id=campaign.pk)
    else:
        campaign.status, campaign.finished_at = CampaignStatus.SENT, now
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
    return len(recipients)


@transaction.atomic
def start_due_campaigns(*, now: datetime.datetime | None = None) -> int:
    """Scheduled campaigns whose moment has come start sending (the chain's tick, once a minute); a sending
    campaign whose batches stopped (a batch that failed, a lost task) is handed over again after STALLED_AFTER.
    How many scheduled campaigns started."""
    now = now or timezone.now()
    ids = due_campaign_ids(now)
    started = Campaign.objects.filter(pk__in=ids, status=CampaignStatus.SCHEDULED).update(
        status=CampaignStatus.SENDING, started_at=now, updated_at=now
    )
    stalled = Campaign.objects.filter(status=CampaignStatus.SENDING, updated_at__lte=now - STALLED_AFTER)
    for campaign_id in [*ids, *stalled.values_list("pk", flat=True)]:
        enqueue_after_commit(BATCH_TASK, campaign_id=campaign_id)
    return started
