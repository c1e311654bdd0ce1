"""Reads of feedback: the chain's settings, ratings per restaurant (dashboard, analytics), the API's list, the
staff a low rating is told to, and the requests whose message was not delivered (the settings page)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from guardian.models import UserObjectPermission

from accounts.access import ChainAccess
from accounts.models import Membership, Role
from analytics.metrics import Period
from feedback.models import AlertRecipients, FeedbackRequest, FeedbackSettings, RequestStatus, VisitRating


def feedback_settings() -> FeedbackSettings:
    """The chain's one settings row (created with the defaults, feedback off, on first read)."""
    row, _created = FeedbackSettings.objects.get_or_create(pk=1)
    return row


@dataclass(frozen=True)
class RestaurantRatings:
    restaurant_id: int | None
    name: str
    count: int
    average: Decimal  # one decimal place
    low_count: int

    @property
    def low_share_percent(self) -> int:
        return round(100 * self.low_count / self.count) if self.count else 0


def ratings_by_restaurant(period: Period, *, threshold: int | None = None) -> list[RestaurantRatings]:
    """Per restaurant the period's ratings (by when they were given, in the chain's days): how many, their average
    and how many were low (at or below the chain's threshold), best covered first. Only the period's restaurants
    (a manager's own)."""
    if threshold is None:
        threshold = feedback_settings().low_score_threshold
    start, end = period.bounds
    ratings = VisitRating.objects.filter(created_at__gte=start, created_at__lt=end)
    if period.restaurant_ids is not None:
        ratings = ratings.filter(restaurant_id__in=period.restaurant_ids)
    rows = (
        ratings.values("restaurant_id", "restaurant__name")
        .annotate(count=Count("id"), average=Avg("score"), low=Count("id", filter=Q(score__lte=threshold)))
        .order_by("-count", "restaurant_id")
    )
    return [
        RestaurantRatings(
            restaurant_id=row["restaurant_id"],
            name=row["restaurant__name"] or "—",
            count=row["count"],
            average=Decimal(str(row["average"] or 0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            low_count=row["low"],
        )
        for row in rows
    ]


def visible_ratings(
    access: ChainAccess,
    *,
    restaurant_id: int | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    score: int | None = None,
) -> QuerySet[VisitRating]:
    """The ratings the viewer may see (a manager: their restaurants' only), newest first, filtered."""
    ratings = access.limit_to_restaurants(VisitRating.objects.select_related("restaurant"))
    if restaurant_id is not None:
        ratings = ratings.filter(restaurant_id=restaurant_id)
    if start is not None:
        ratings = ratings.filter(created_at__gte=start)
    if end is not None:
        ratings = ratings.filter(created_at__lt=end)
    if score is not None:
        ratings = ratings.filter(score=score)
    return ratings.order_by("-created_at", "-id")


def restaurant_staff_user_ids(restaurant_id: int) -> set[int]:
    """Users assigned to the restaurant (guardian's object permission, as accounts.access reads it)."""
    ids = UserObjectPermission.objects.filter(
        permission__codename="work_at_restaurant",
        content_type__app_label="restaurants",
        content_type__model="restaurant",
        object_pk=str(restaurant_id),
    ).values_list("user_id", flat=True)
    return set(ids)


def alert_recipients(*, chain_id: int, restaurant_id: int | None, row: FeedbackSettings) -> list[int]:
    """The staff a low rating of `restaurant_id` is told to, per the chain's choice: active members' user ids (the
    chain's extra address, `row.alert_email`, comes on top)."""
    memberships = Membership.objects.filter(chain_id=chain_id, is_active=True, user__is_active=True)
    chosen = row.alert_recipients
    managers: list[int] = []
    if chosen in (AlertRecipients.MANAGERS, AlertRecipients.MANAGERS_AND_ADMINS) and restaurant_id is not None:
        staff = restaurant_staff_user_ids(restaurant_id)
        managers = list(memberships.filter(role=Role.MANAGER, user_id__in=staff).values_list("user_id", flat=True))
    leaders: list[int] = []
    wants_leaders = chosen in (AlertRecipients.MANAGERS_AND_ADMINS, AlertRecipients.OWNERS_AND_ADMINS) or (
        chosen == AlertRecipients.MANAGERS and not managers
    )
    if wants_leaders:
        leaders = list(memberships.filter(role__in=(Role.OWNER, Role.ADMIN)).values_list("user_id", flat=True))
    return sorted({*managers, *leaders})


def rating_of_visit(applied_check_id: int) -> VisitRating | None:
    return VisitRating.objects.filter(applied_check_id=applied_check_id).first()


UNDELIVERED_SHOWN = 20


def undelivered_requests(*, since: datetime.datetime, limit: int = UNDELIVERED_SHOWN) -> list[FeedbackRequest]:
    """The latest requests since `since` whose message was not delivered (to be asked again, or given up), with
    the channel's reason, their guest and restaurant: newest visit first."""
    return list(
        FeedbackRequest.objects.filter(
            status__in=(RequestStatus.FAILED, RequestStatus.UNDELIVERED), visited_at__gte=since
        )
        .select_related("guest", "restaurant")
        .order_by("-visited_at", "-id")[:limit]
    )
