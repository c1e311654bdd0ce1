"""The guest list's filters and ordering (django-filter), applied by selectors.guest_list for the API and export."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guests.conditions import any_tag_condition, day_start, level_condition
from guests.models import Guest, GuestStatus
from guests.search import matching_guests


class GuestFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Name, phone (any spelling or its last 4+ digits), email, card or note"),
    )
    status = django_filters.ChoiceFilter(
        choices=[(value, label) for value, label in GuestStatus.choices if value != GuestStatus.ERASED],
        label=_("Status"),
    )
    tag = django_filters.CharFilter(method="filter_tag", label=_("Has this tag"))
    level = django_filters.NumberFilter(method="filter_level", label=_("Loyalty level id"))
    last_visit_from = django_filters.DateFilter(method="filter_last_visit_from", label=_("Last visit on or after"))
    last_visit_to = django_filters.DateFilter(method="filter_last_visit_to", label=_("Last visit on or before"))
    birthday_month = django_filters.NumberFilter(
        field_name="birthday",
        lookup_expr="month",
        min_value=1,
        max_value=12,
        decimal_places=0,
        label=_("Birthday month (1-12)"),
    )
    home_restaurant = django_filters.NumberFilter(field_name="home_restaurant_id", label=_("Home restaurant id"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("last_visit_at", "last_visit_at"),
            ("first_visit_at", "first_visit_at"),
            ("last_name", "last_name"),
            ("first_name", "first_name"),
            ("id", "id"),
        ),
        label=_("Order by (prefix with - for descending)"),
    )

    class Meta:
        model = Guest
        fields: list[str] = []

    def __init__(self, *args: Any, whole_identifiers_only: bool = False, **kwargs: Any) -> None:
        """whole_identifiers_only: the viewer sees contacts masked, so q finds whole identifiers only."""
        super().__init__(*args, **kwargs)
        self.whole_identifiers_only = whole_identifiers_only

    @property
    def qs(self) -> QuerySet[Guest]:
        queryset: QuerySet[Guest] = super().qs
        if not queryset.query.order_by:  # a search (guests.search) is ordered best first already
            queryset = queryset.order_by("-created_at", "-id")
        return queryset

    def filter_search(self, queryset: QuerySet[Guest], name: str, value: str) -> QuerySet[Guest]:
        if not value.strip():
            return queryset
        return matching_guests(queryset, value, whole_identifiers_only=self.whole_identifiers_only)

    def filter_tag(self, queryset: QuerySet[Guest], name: str, value: str) -> QuerySet[Guest]:
        return queryset.filter(any_tag_condition([value])) if value.strip() else queryset

    def filter_level(self, queryset: QuerySet[Guest], name: str, value: Any) -> QuerySet[Guest]:
        return queryset if value is None else queryset.filter(level_condition([int(value)]))

    def filter_last_visit_from(self, queryset: QuerySet[Guest], name: str, value: datetime.date) -> QuerySet[Guest]:
        return queryset.filter(last_visit_at__gte=day_start(value))

    def filter_last_visit_to(self, queryset: QuerySet[Guest], name: str, value: datetime.date) -> QuerySet[Guest]:
        return queryset.filter(last_visit_at__lt=day_start(value + datetime.timedelta(days=1)))
