"""What a campaign did (reads): its messages' fate as the channels report it, and for the treated and the control
group over 7, 14 and 30 days after the send the share of guests who visited, visits, revenue and points redeemed
per guest, each with its uplift and 95 % interval (campaigns.holdout), and the campaign's cost against the uplift in
revenue.

Everything is summed in SQL per group (sums and sums of squares of per-guest values: a guest without a visit is a
zero), reading visits and the ledger through their (guest, time) indexes for the campaign's recipients only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from campaigns.holdout import Sample, Uplift, mean_uplift, proportion_uplift
from campaigns.models import Campaign, CampaignRecipient, RecipientGroup
from guests.models import Visit
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import program_context
from messaging.models import Channel, MessageStatus

WINDOWS_DAYS = (7, 14, 30)
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class MessageOutcomes:
    """The treated group's messages: handed over, delivered (email reports it; Telegram and SMS count as sent),
    opened and clicked among the emails (only email reports them; None when the campaign sent no email),
    unsubscribed since the send."""

    messages: int
    sent: int
    delivered: int
    failed: int
    suppressed: int
    emails: int  # the messages that went out by email: what opened and clicked are counted among
    opened: int | None
    clicked: int | None
    unsubscribed: int


@dataclass(frozen=True)
class WindowResults:
    days: int
    is_complete: bool  # the window has fully passed
    treated_size: int
    control_size: int
    visited_share: Uplift
    visits_per_guest: Uplift
    revenue_per_guest: Uplift
    points_redeemed_per_guest: Uplift


@dataclass(frozen=True)
class CampaignCost:
    bonus_points: int
    bonus_amount: Decimal
    messages_amount: Decimal
    total_amount: Decimal
    revenue_uplift_amount: Decimal  # uplift in revenue per guest (30 days) times the treated
    pays_for_itself: bool


@dataclass(frozen=True)
class CampaignResults:
    sent_at: datetime.datetime | None
    messages: MessageOutcomes
    windows: list[WindowResults]
    cost: CampaignCost | None


def message_outcomes(campaign: Campaign) -> MessageOutcomes:
    treated = CampaignRecipient.objects.filter(campaign=campaign, group=RecipientGroup.TREATED, message__isnull=False)
    since = campaign.started_at or campaign.created_at
    withdrawn = Q()
    for channel in Channel.values:
        withdrawn |= Q(message__channel=channel, **{f"guest__{channel}_consent_withdrawn_at__gte": since})
    figures = treated.aggregate(
        messages=Count("id"),
        sent=Count("id", filter=Q(message__status__in=(MessageStatus.SENT, MessageStatus.DELIVERED))),
        delivered=Count(
            "id",
            filter=Q(message__status=MessageStatus.DELIVERED)
            | Q(message__status=MessageStatus.SENT) & ~Q(message__channel=Channel.EMAIL),
        ),
        failed=Count(
            "id",
            filter=Q(message__status__in=(MessageStatus.FAILED, MessageStatus.BOUNCED, MessageStatus.COMPLAINED)),
        ),
        suppressed=Count("id", filter=Q(message__status=MessageStatus.SUPPRESSED)),
        emails=Count("id", filter=Q(message__channel=Channel.EMAIL)),
        opened=Count("id", filter=Q(message__channel=Channel.EMAIL, message__opened_at__isnull=False)),
        clicked=Count("id", filter=Q(message__channel=Channel.EMAIL, message__clicked_at__isnull=False)),
        unsubscribed=Count("id", filter=withdrawn),
    )
    if not figures["emails"]:  # Telegram and SMS report no opens or clicks: unknown, not zero
        figures["opened"] = figures["clicked"] = None
    return MessageOutcomes(**figures)


# Per group: its size, and over the guests with any value the sums and sums of squares of per-guest values.
_WINDOW_SQL = """
WITH members AS (
    SELECT guest_id, "group" FROM {recipients} WHERE campaign_id = %(campaign)s
),
visits AS (
    SELECT v.guest_id, count(*) AS n, sum(v.check_amount) AS revenue
    FROM {visits} v JOIN members m ON m.guest_id = v.guest_id
    WHERE v.visited_at >= %(start)s AND v.visited_at < %(end)s
    GROUP BY v.guest_id
),
redeemed AS (
    SELECT e.guest_id, -sum(e.points) AS points
    FROM {ledger} e JOIN members m ON m.guest_id = e.guest_id
    WHERE e.kind = %(redemption)s AND e.created_at >= %(start)s AND e.created_at < %(end)s
    GROUP BY e.guest_id
)
SELECT m."group",
       count(*),
       count(v.guest_id),
       coalesce(sum(v.n), 0), coalesce(sum(v.n * v.n), 0),
       coalesce(sum(v.revenue), 0), coalesce(sum(v.revenue * v.revenue), 0),
       coalesce(sum(r.points), 0), coalesce(sum(r.points * r.points), 0)
FROM members m
LEFT JOIN visits v ON v.guest_id = m.guest_id
LEFT JOIN redeemed r ON r.guest_id = m.guest_id
GROUP BY m."group"
"""


def _window_rows(campaign: Campaign, start: datetime.datetime, end: datetime.datetime) -> dict[str, tuple[Any, ...]]:
    sql = _WINDOW_SQL.format(
        recipients=CampaignRecipient._meta.db_table,
        visits=Visit._meta.db_table,
        ledger=LedgerEntry._meta.db_table,
    )
    params: dict[str, Any] = {
        "campaign": campaign.pk,
        "start": start,
        "end": end,
        "redemption": EntryKind.REDEMPTION.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _sample(size: int, total: object, squares: object) -> Sample:
    return Sample(size, float(total), float(squares))  # type: ignore[arg-type]  # the row is (int, Decimal, Decimal)


def window_results(campaign: Campaign, start: datetime.datetime, days: int) -> WindowResults:
    end = start + datetime.timedelta(days=days)
    rows = _window_rows(campaign, start, end)
    empty = (0, 0, 0, 0, 0, 0, 0, 0)
    treated = rows.get(RecipientGroup.TREATED.value, empty)
    control = rows.get(RecipientGroup.CONTROL.value, empty)
    return WindowResults(
        days=days,
        is_complete=end <= timezone.now(),
        treated_size=treated[0],
        control_size=control[0],
        visited_share=proportion_uplift(
            treated_hits=treated[1], treated_size=treated[0], control_hits=control[1], control_size=control[0]
        ),
        visits_per_guest=mean_uplift(_sample(treated[0], *treated[2:4]), _sample(control[0], *control[2:4])),
        revenue_per_guest=mean_uplift(_sample(treated[0], *treated[4:6]), _sample(control[0], *control[4:6])),
        points_redeemed_per_guest=mean_uplift(_sample(treated[0], *treated[6:8]), _sample(control[0], *control[6:8])),
    )


def _money(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)


def campaign_cost(campaign: Campaign, revenue_per_guest: Uplift, treated_size: int) -> CampaignCost:
    """Bonus points at the chain's point value plus each message's cost by its channel (CAMPAIGN_MESSAGE_COSTS),
    against the uplift in revenue over the treated: paid for itself when the uplift is larger."""
    outgoing = (
        CampaignRecipient.objects.filter(campaign=campaign, group=RecipientGroup.TREATED, message__isnull=False)
        .exclude(message__status=MessageStatus.SUPPRESSED)
        .values(channel=F("message__channel"))
        .annotate(n=Count("id"))
    )
    costs: dict[str, Decimal] = settings.CAMPAIGN_MESSAGE_COSTS
    per_channel = {row["channel"]: row["n"] for row in outgoing}
    bonus_points = campaign.bonus_points * sum(per_channel.values())
    bonus_amount = _money(bonus_points * program_context().program.point_value_amount)
    messages_amount = _money(
        sum((costs.get(channel, Decimal(0)) * n for channel, n in per_channel.items()), Decimal(0))
    )
    total = bonus_amount + messages_amount
    uplift = _money(revenue_per_guest.difference * treated_size)
    return CampaignCost(bonus_points, bonus_amount, messages_amount, total, uplift, uplift > total)


def campaign_results(campaign: Campaign) -> CampaignResults:
    start = campaign.started_at
    if start is None or campaign.members_split_at is None:
        return CampaignResults(None, message_outcomes(campaign), [], None)
    windows = [window_results(campaign, start, days) for days in WINDOWS_DAYS]
    longest = windows[-1]
    cost = campaign_cost(campaign, longest.revenue_per_guest, longest.treated_size)
    return CampaignResults(start, message_outcomes(campaign), windows, cost)
