"""Shapes of the segments API: the input (its filters checked by campaigns.rules, a 400 naming each wrong one) and
the output."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.rules import SEGMENT_CODES
from campaigns.models import Segment
from campaigns.rules import parse_filters
from guests.models import ConsentChannel
from maxloyalty.errors import ValidationFailed


class SegmentFiltersDoc(serializers.Serializer[None]):
    """The filters' shape for the API's documentation; campaigns.rules is what checks them (every one optional)."""

    level_ids = serializers.ListField(child=serializers.IntegerField(), help_text="On any of these levels")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), help_text="With any of these tags")
    home_restaurant_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Home restaurant any of")
    visits_days = serializers.IntegerField(help_text="Visits counted over the last N days (1-3650)")
    visits_min = serializers.IntegerField(help_text="At least this many visits in those days")
    visits_max = serializers.IntegerField(help_text="At most this many visits in those days")
    spend_days = serializers.IntegerField(help_text="Spend counted over the last N days (1-3650)")
    spend_min_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="In the chain's currency")
    spend_max_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="In the chain's currency")
    last_visit_days_min = serializers.IntegerField(help_text="At least N days since the last visit (chain's days)")
    last_visit_days_max = serializers.IntegerField(help_text="At most N days since the last visit")
    rfm_classes = serializers.ListField(child=serializers.ChoiceField(choices=SEGMENT_CODES))
    birthday_month = serializers.IntegerField(min_value=1, max_value=12)
    points_min = serializers.IntegerField()
    points_max = serializers.IntegerField()
    reachable_channels = serializers.ListField(child=serializers.ChoiceField(choices=ConsentChannel.values))


@extend_schema_field(SegmentFiltersDoc)
class FiltersField(serializers.JSONField):
    pass


class SegmentInput(serializers.Serializer[None]):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    filters = FiltersField(required=False)

    def validate_filters(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give the filters as an object."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "filters" in attrs:
            try:
                attrs["filters"] = parse_filters(attrs["filters"]).as_json()
            except ValidationFailed as error:
                raise serializers.ValidationError(error.fields) from error
        return attrs


class SegmentOut(serializers.ModelSerializer[Segment]):
    filters = FiltersField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "filters", "created_by", "created_at", "updated_at"]


class SegmentMemberOut(serializers.Serializer[None]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked for roles that see contacts masked")
    email = serializers.CharField(help_text="Masked for roles that see contacts masked")
    level = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    last_visit_at = serializers.DateTimeField(allow_null=True)


class SegmentPreviewOut(serializers.Serializer[None]):
    count = serializers.IntegerField(help_text="Guests in the segment now, counted up to a cap (see count_is_capped)")
    count_is_capped = serializers.BooleanField()
    members = SegmentMemberOut(many=True, help_text="The first members, by id")


def preview_data(preview: Any) -> dict[str, Any]:
    return {
        "count": preview.count.total,
        "count_is_capped": preview.count.more,
        "members": SegmentMemberOut(preview.members, many=True).data,
    }
