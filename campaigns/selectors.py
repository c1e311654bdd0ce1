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
import json
from collections.abc import Callable, Mapping
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
from maxloyalty.capped_count import CappedCount, capped_count
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


def _counted_visits(since: datetime.datetime) -> QuerySet[Any]:
    """Each guest's visits since an instant: guest_id, n (how many), spend (their checks' sum)."""
    return (
        Visit.objects.filter(visited_at__gte=since)
        .order_by()
        .values("guest_id")
        .annotate(n=Count("id"), spend=Sum("check_amount"))
    )


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
        counted = _counted_visits(_window_start(filters.visits_days, today))
        condition &= _range(counted, "n", filters.visits_min, filters.visits_max)
    if filters.spend_days is not None:
        counted = _counted_visits(_window_start(filters.spend_days, today))
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


def count_segment(guests: QuerySet[Guest]) -> CappedCount:
    return capped_count(guests, SEGMENT_COUNT_CAP)


def _remembered(kind: str, filters: SegmentFilters, access: ChainAccess | None, compute: Callable[[], Any]) -> Any:
    """A segment's count or preview as this viewer last saw it, for SEGMENT_COUNT_CACHE_SECONDS: at 1M guests both
    evaluate the visit filters over every matching guest (about a second), and the list, the builder and the API
    ask again and again. The key holds the filters, the chain's day (their windows move with it), the viewer's
    restaurants and whether they see contacts; sending never reads it (segment_guests, at send time)."""
    seconds = settings.SEGMENT_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    scope = (
        "all" if access is None or access.restaurant_ids is None else ",".join(map(str, sorted(access.restaurant_ids)))
    )
    described = json.dumps([filters.as_json(), str(chain_today()), scope, contact_view(access).sees_contacts])
    key = f"segments:{kind}:{hashlib.sha256(described.encode()).hexdigest()}"
    return cache.get_or_set(key, compute, seconds)


def segment_size(
    segment_or_filters: Segment | SegmentFilters | Mapping[str, Any], access: ChainAccess | None
) -> CappedCount:
    """How many guests a segment holds for this viewer (up to SEGMENT_COUNT_CAP), as counted in the last
    SEGMENT_COUNT_CACHE_SECONDS (the list's and the preview's count)."""
    filters = _filters_of(segment_or_filters)
    count: CappedCount = _remembered("count", filters, access, lambda: count_segment(segment_guests(filters, access)))
    return count


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
    """How many guests the segment holds for this viewer (up to SEGMENT_COUNT_CAP) and its first PREVIEW_SIZE, as
    seen in the last SEGMENT_COUNT_CACHE_SECONDS."""
    filters = _filters_of(segment_or_filters)
    members: list[SegmentMember] = _remembered("members", filters, access, lambda: _first_members(filters, access))
    return SegmentPreview(count=segment_size(filters, access), members=members)


def _first_members(filters: SegmentFilters, access: ChainAccess | None) -> list[SegmentMember]:
    guests = segment_guests(filters, access)
    view = contact_view(access)
    members = []
    for guest in with_loyalty(guests)[:PREVIEW_SIZE]:
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
    return members


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
