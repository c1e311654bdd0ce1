"""Filters of the audit log page and its CSV export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=User.objects.none())
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    # Days in the chain's time zone (the page's), as a range on the time column itself: a `created_at::date`
    # comparison would defeat its index and the monthly partitions' pruning.
    since = django_filters.DateFilter(label=_("From"), method="filter_since")
    until = django_filters.DateFilter(label=_("To"), method="filter_until")

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "object_type", "object_id", "since", "until"]

    def __init__(self, *args: object, chain_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.filters["actor"].queryset = User.objects.filter(memberships__chain_id=chain_id).order_by("email")

    def filter_since(self, queryset: QuerySet[AuditEntry], name: str, value: date) -> QuerySet[AuditEntry]:
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_until(self, queryset: QuerySet[AuditEntry], name: str, value: date) -> QuerySet[AuditEntry]:
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
