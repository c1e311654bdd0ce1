"""Filters of the audit log page and its CSV export."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=User.objects.none())
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    since = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "object_type", "object_id", "since", "until"]

    def __init__(self, *args: object, chain_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.filters["actor"].queryset = User.objects.filter(memberships__chain_id=chain_id).order_by("email")
