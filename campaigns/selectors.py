"""Reads of saved segments and campaigns: who may use them, which guests a segment holds right now (in SQL, at the moment of
use, within the guests the viewer may see), its count and a preview of its first members.

Who may use segments (the one rule; pages, the API and the services ask may_use_segments):
- owners and admins (Permission.MANAGE_SEGMENTS), over every guest of the chain;
- managers (Permission.MANAGE_RESTAURANT_SEGMENTS) only when the chain allows it (CampaignSettings, off by default),
  and then over their restaurants' guests only (guests.selectors.visible_guests); they change only the segments
  they created;
- nobody else (cashiers never).
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.access import ChainAccess
from accounts.roles import Permission
from analytics.rules import rfm_class_sql
from campaigns.errors import CampaignNotFound, SegmentNotFound
from campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignSettings,
    CampaignStatus,
    RecipientGroup,
    Segment,
)
from campaigns.rules import SegmentFilters, parse_filters
from guests.conditions import (
    any_tag_condition,
    birthday_month_condition,
    home_restaurant_condition,
    level_condition,
)
from guests.masking import contact_view
from guests.models import Guest, Visit
from guests.selectors import loyalty_figures, visible_guests, with_loyalty
from loyalty.selectors import chain_today, local_midnight
from maxloyalty.capped_count import CappedCount
from messaging.channels import reachable_condition
from messaging.models import MessageStatus

# The RFM class of a guest is read from their visits over this many days up to now (analytics.rules).
RFM_WINDOW_DAYS = 365
# A segment is counted up to this many guests ("more than" past it): a count stays a bounded walk at 1M guests.
SEGMENT_COUNT_CAP = 100_000
PREVIEW_SIZE = 20


def managers_may_use_segments() -> bool:
    return bool(
        CampaignSettings.objects.filter(pk=1).values_list("managers_may_use_segments", flat=True).first() or False
    )


def may_use_segments(access: ChainAccess | None) -> bool:
    if access is None:
        return False
    if access.can(Permission.MANAGE_SEGMENTS):
        return True
    return access.can(Permission.MANAGE_RESTAURANT_SEGMENTS) and managers_may_use_segments()


def require_segment_access(access: ChainAccess | None) -> ChainAccess:
    if access is None or not may_use_segments(access):
        raise PermissionDenied
    return access


def may_change_segment(access: ChainAccess, segment: Segment) -> bool:
    """Owners and admins change any segment; a manager allowed segments changes those they created."""
    if not may_use_segments(access):
        return False
    return access.can(Permission.MANAGE_SEGMENTS) or segment.created_by_id == access.user.pk


def visible_segments(access: ChainAccess | None) -> QuerySet[Segment]:
    require_segment_access(access)
    return Segment.objects.select_related("created_by").order_by("name", "id")


def access_segment(*, access: ChainAccess | None, segment_id: int) -> Segment:
    """The segment with this id for a viewer allowed segments; SegmentNotFound (404) when there is none."""
    segment = visible_segments(access).filter(pk=segment_id).first()
    if segment is None:
        raise SegmentNotFound(segment_id=segment_id)
    return segment


# --- who is in a segment ---------------------------------------------------------------------------------------


def _counted_visits(since: datetime.datetime, column: str) -> QuerySet[Any]:
    """Each guest's visits since an instant: guest_id and `column`, n (how many: count(*), which the visits' (guest,
    time) index answers alone) or spend (their checks' sum)."""
    figure = Count("*") if column == "n" else Sum("check_amount")
    return Visit.objects.filter(visited_at__gte=since).order_by().values("guest_id").annotate(**{column: figure})


def _window_start(days: int, today: datetime.date) -> datetime.datetime:
    """The start of the last `days` days: today and the days before it, in the chain's time zone (rules, 3)."""
    return local_midnight(today - datetime.timedelta(days=days - 1))


def _range(counted: QuerySet[Any], column: str, low: Any, high: Any) -> Q:
    """Guests whose `column` (of _counted_visits) is within [low, high]; guests without visits count 0."""
    condition = Q()
    if low:
        condition &= Q(pk__in=counted.filter(**{f"{column}__gte": low}).values("guest_id"))
    if high is not None:
        condition &= ~Q(pk__in=counted.filter(**{f"{column}__gt": high}).values("guest_id"))
    return condition


def _rfm_condition(classes: tuple[str, ...], now: datetime.datetime) -> Q:
    """Guests in one of the RFM classes (analytics.rules, the analytics pages' classification) over their visits of
    the last RFM_WINDOW_DAYS."""
    rfm_class, params = rfm_class_sql(now)
    sql = (
        "WITH g AS MATERIALIZED (SELECT guest_id, count(*) AS n, sum(check_amount) AS spend, "  # noqa: S608
        f"max(visited_at) AS last_at FROM {Visit._meta.db_table} WHERE visited_at >= %s AND visited_at <= %s "
        "GROUP BY guest_id), a AS (SELECT avg(spend) AS avg_spend FROM g) "
        f"SELECT guest_id FROM g, a WHERE ({rfm_class}) = ANY(%s)"
    )
    start = now - datetime.timedelta(days=RFM_WINDOW_DAYS)
    return Q(pk__in=RawSQL(sql, [start, now, *params, list(classes)]))  # noqa: S611  # constants; values are parameters


def segment_condition(filters: SegmentFilters, *, now: datetime.datetime | None = None) -> Q:
    """The filters as one condition over guests (campaigns.rules says what each means)."""
    now = now or timezone.now()
    today = chain_today()
    condition = Q(is_test=False)  # the chain's test guest proves a POS connection; it is nobody's audience
    if filters.level_ids:
        condition &= level_condition(filters.level_ids)
    if filters.tags:
        condition &= any_tag_condition(filters.tags)
    if filters.home_restaurant_ids:
        condition &= home_restaurant_condition(filters.home_restaurant_ids)
    if filters.visits_days is not None:
        counted = _counted_visits(_window_start(filters.visits_days, today), "n")
        condition &= _range(counted, "n", filters.visits_min, filters.visits_max)
    if filters.spend_days is not None:
        counted = _counted_visits(_window_start(filters.spend_days, today), "spend")
        condition &= _range(counted, "spend", filters.spend_min_amount, filters.spend_max_amount)
    if filters.last_visit_days_min is not None:
        condition &= Q(
            last_visit_at__lt=local_midnight(today - datetime.timedelta(days=filters.last_visit_days_min - 1))
        )
    if filters.last_visit_days_max is not None:
        condition &= Q(last_visit_at__gte=local_midnight(today - datetime.timedelta(days=filters.last_visit_days_max)))
    if filters.rfm_classes:
        condition &= _rfm_condition(filters.rfm_classes, now)
    if filters.birthday_month is not None:
        condition &= birthday_month_condition(filters.birthday_month)
    if filters.points_min:
        condition &= Q(points_account__available__gte=filters.points_min)
    if filters.points_max is not None:
        condition &= Q(points_account__available__lte=filters.points_max) | Q(points_account__isnull=True)
    if filters.reachable_channels:
        reachable = Q(pk__in=[])
        for channel in filters.reachable_channels:
            reachable |= reachable_condition(channel)
        condition &= reachable
    return condition


def _filters_of(segment_or_filters: Segment | SegmentFilters | Mapping[str, Any]) -> SegmentFilters:
    if isinstance(segment_or_filters, Segment):
        return segment_or_filters.parsed_filters
    if isinstance(segment_or_filters, SegmentFilters):
        return segment_or_filters
    return parse_filters(segment_or_filters)


def segment_guests(
    segment_or_filters: Segment | SegmentFilters | Mapping[str, Any], access: ChainAccess | None
) -> QuerySet[Guest]:
    """The guests in a segment (or matching filters) right now, among those `access` may see (None: the system,
    e.g. a campaign's sending task: every guest of the chain), ordered by id."""
    filters = _filters_of(segment_or_filters)
    return visible_guests(access).filter(segment_condition(filters)).order_by("pk")


@dataclass(frozen=True)
class SegmentEvaluation:
    """One reading of who is in a segment for one viewer: the count (up to SEGMENT_COUNT_CAP) and the ids of the
    members a preview shows."""

    count: CappedCount
    shown_ids: tuple[int, ...]


def _evaluate(filters: SegmentFilters, access: ChainAccess | None) -> SegmentEvaluation:
    """One pass over the segment gives both the count and the members shown: the ids of its guests, up to the cap
    plus one, read unordered (ordering the walk makes the planner read the guests in id order, every one of them),
    then the PREVIEW_SIZE smallest of those read. A segment past the cap shows the smallest ids among the first
    SEGMENT_COUNT_CAP + 1 found, which is as good a sample."""
    ids = list(segment_guests(filters, access).order_by().values_list("pk", flat=True)[: SEGMENT_COUNT_CAP + 1])
    count = CappedCount(total=min(len(ids), SEGMENT_COUNT_CAP), more=len(ids) > SEGMENT_COUNT_CAP)
    return SegmentEvaluation(count=count, shown_ids=tuple(heapq.nsmallest(PREVIEW_SIZE, ids)))


def segment_evaluation(
    segment_or_filters: Segment | SegmentFilters | Mapping[str, Any], access: ChainAccess | None
) -> SegmentEvaluation:
    """Who is in a segment for this viewer as read in the last SEGMENT_COUNT_CACHE_SECONDS: at 1M guests a reading
    evaluates the visit filters over every matching guest (about half a second), and the list, the builder and the
    API ask again and again. The key holds the filters, the chain's day (their windows move with it) and the
    viewer's restaurants; sending never reads it (segment_guests, at send time)."""
    filters = _filters_of(segment_or_filters)
    seconds = settings.SEGMENT_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return _evaluate(filters, access)
    scope = (
        "all" if access is None or access.restaurant_ids is None else ",".join(map(str, sorted(access.restaurant_ids)))
    )
    described = json.dumps([filters.as_json(), str(chain_today()), scope])
    key = f"segments:evaluation:{hashlib.sha256(described.encode()).hexdigest()}"
    evaluation = cache.get_or_set(key, lambda: _evaluate(filters, access), seconds)
    assert isinstance(evaluation, SegmentEvaluation)
    return evaluation


def segment_size(
    segment_or_filters: Segment | SegmentFilters | Mapping[str, Any], access: ChainAccess | None
) -> CappedCount:
    """How many guests a segment holds for this viewer (up to SEGMENT_COUNT_CAP): the list's and the preview's count."""
    return segment_evaluation(segment_or_filters, access).count


@dataclass(frozen=True)
class SegmentMember:
    """One guest of a preview, contacts as the viewer may see them (guests.masking)."""

    id: int
    name: str
    phone: str
    email: str
    level: str
    points: int | None
    last_visit_at: datetime.datetime | None


@dataclass(frozen=True)
class SegmentPreview:
    count: CappedCount
    members: list[SegmentMember]


def segment_preview(
    segment_or_filters: Segment | SegmentFilters | Mapping[str, Any], access: ChainAccess | None
) -> SegmentPreview:
    """How many guests the segment holds for this viewer (up to SEGMENT_COUNT_CAP) and PREVIEW_SIZE of them, with
    their figures of now and their contacts as this viewer may see them."""
    evaluation = segment_evaluation(segment_or_filters, access)
    view = contact_view(access)
    members = []
    for guest in with_loyalty(visible_guests(access).filter(pk__in=evaluation.shown_ids).order_by("pk")):
        figures = loyalty_figures(guest) or {}
        level = figures.get("level") or {}
        members.append(
            SegmentMember(
                id=guest.pk,
                name=guest.full_name,
                phone=view.phone(guest.phone),
                email=view.email(guest.email),
                level=str(level.get("name") or ""),
                points=figures.get("available"),
                last_visit_at=guest.last_visit_at,
            )
        )
    return SegmentPreview(count=evaluation.count, members=members)


# --- campaigns -------------------------------------------------------------------------------------------------


def visible_campaigns(access: ChainAccess | None) -> QuerySet[Campaign]:
    """Campaigns follow segments' rule: owners and admins see every one, a manager allowed segments the ones they
    created (their guests only are in them)."""
    access = require_segment_access(access)
    campaigns = Campaign.objects.select_related("segment", "created_by", "promo_code")
    if not access.can(Permission.MANAGE_SEGMENTS):
        campaigns = campaigns.filter(created_by=access.user)
    return campaigns.order_by("-created_at", "-id")


def access_campaign(*, access: ChainAccess | None, campaign_id: int) -> Campaign:
    """The campaign for a viewer who may see it; CampaignNotFound (404) for missing and not theirs alike."""
    campaign = visible_campaigns(access).filter(pk=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound(campaign_id=campaign_id)
    return campaign


@dataclass(frozen=True)
class CampaignProgress:
    """How far sending has come: members split, the treated, handed to messaging, sent, failed or not sendable."""

    recipients: int
    treated: int
    control: int
    queued: int
    sent: int
    failed: int
    suppressed: int


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """One aggregate over the campaign's recipients and their messages (the recipients' campaign index)."""
    failed = (MessageStatus.FAILED, MessageStatus.BOUNCED, MessageStatus.COMPLAINED)
    delivered = (MessageStatus.SENT, MessageStatus.DELIVERED)
    figures = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        recipients=Count("id"),
        treated=Count("id", filter=Q(group=RecipientGroup.TREATED)),
        control=Count("id", filter=Q(group=RecipientGroup.CONTROL)),
        queued=Count("id", filter=Q(message__status=MessageStatus.QUEUED)),
        sent=Count("id", filter=Q(message__status__in=delivered)),
        failed=Count("id", filter=Q(message__status__in=failed)),
        suppressed=Count("id", filter=Q(message__status=MessageStatus.SUPPRESSED)),
    )
    return CampaignProgress(**figures)


def due_campaign_ids(now: datetime.datetime) -> list[int]:
    """Scheduled campaigns whose moment has come (the partial index on send_at)."""
    return list(
        Campaign.objects.filter(status=CampaignStatus.SCHEDULED, send_at__lte=now)
        .order_by("send_at", "id")
        .values_list("pk", flat=True)
    )
