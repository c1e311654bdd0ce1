"""Shapes of the segments API: the input (its filters checked by campaigns.rules, a 400 naming each wrong one) and
the output."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.rules import SEGMENT_CODES
from campaigns.models import Campaign, CampaignChannel, Segment
from campaigns.results import CampaignResults
from campaigns.rules import parse_filters
from campaigns.selectors import campaign_progress
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


# --- campaigns -------------------------------------------------------------------------------------------------


class CampaignInput(serializers.Serializer[None]):
    """The campaign's shape; campaigns.services checks the rest (texts, segment, promo code: 422 naming each)."""

    name = serializers.CharField(max_length=100)
    segment = serializers.IntegerField(help_text="A saved segment's id")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CampaignChannel.choices), help_text="The channels allowed"
    )
    email_subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email_html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    email_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    sms_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    telegram_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    bonus_points = serializers.IntegerField(min_value=0, required=False)
    promo_code = serializers.IntegerField(required=False, allow_null=True, help_text="A promo code's id")
    send_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Empty: send when asked; without an offset: the chain's time zone"
    )
    holdout_percent = serializers.IntegerField(min_value=0, max_value=90, required=False)


class CampaignProgressOut(serializers.Serializer[None]):
    recipients = serializers.IntegerField()
    treated = serializers.IntegerField()
    control = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    suppressed = serializers.IntegerField()


class CampaignOut(serializers.ModelSerializer[Campaign]):
    segment = serializers.IntegerField(source="segment_id")
    promo_code = serializers.IntegerField(source="promo_code_id", allow_null=True)
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "segment",
            "channels",
            "email_subject",
            "email_html",
            "email_text",
            "sms_text",
            "telegram_text",
            "bonus_points",
            "promo_code",
            "send_at",
            "holdout_percent",
            "status",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
        ]

    @extend_schema_field(CampaignProgressOut)
    def get_progress(self, campaign: Campaign) -> dict[str, Any]:
        return dataclasses.asdict(campaign_progress(campaign))


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, Decimals as strings (money never becomes a float), floats rounded."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def results_data(results: CampaignResults) -> dict[str, Any]:
    data: dict[str, Any] = _plain(results)
    return data
