"""Shapes of the liability API (output only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

Out = serializers.Serializer[Any]


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2)


class RestaurantOutstandingOut(Out):
    restaurant_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    available_points = serializers.IntegerField()
    pending_points = serializers.IntegerField()
    available_amount = _money()
    pending_amount = _money()


class OutstandingOut(Out):
    available_points = serializers.IntegerField()
    pending_points = serializers.IntegerField()
    total_points = serializers.IntegerField()
    available_amount = _money()
    pending_amount = _money()
    total_amount = _money()
    restaurants = RestaurantOutstandingOut(many=True)


class ScheduleMonthOut(Out):
    month = serializers.DateField(format="%Y-%m")
    points = serializers.IntegerField()
    amount = _money()


class ScheduleOut(Out):
    months = ScheduleMonthOut(many=True)
    later_points = serializers.IntegerField()
    later_amount = _money()
    no_expiry_points = serializers.IntegerField()
    no_expiry_amount = _money()


class CohortOut(Out):
    cohort = serializers.DateField(format="%Y-%m")
    issued_points = serializers.IntegerField()
    redeemed_points = serializers.IntegerField()
    expired_points = serializers.IntegerField()
    other_points = serializers.IntegerField()
    open_points = serializers.IntegerField()
    issued_amount = _money()
    redemption_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    breakage_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    is_mature = serializers.BooleanField()


class ForecastMonthOut(Out):
    month = serializers.DateField(format="%Y-%m")
    points = serializers.IntegerField()
    redeem_points = serializers.IntegerField()
    expire_points = serializers.IntegerField()
    redeem_amount = _money()
    expire_amount = _money()


class LiabilityOut(Out):
    computed_at = serializers.DateTimeField(help_text="When these figures were calculated")
    is_refreshing = serializers.BooleanField(help_text="Whether a recalculation is queued or running")
    currency = serializers.CharField()
    point_value_amount = serializers.DecimalField(max_digits=10, decimal_places=4)
    outstanding = OutstandingOut()
    schedule = ScheduleOut()
    cohorts = CohortOut(many=True)
    breakage_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    forecast = ForecastMonthOut(many=True)


class StatementMonthOut(Out):
    month = serializers.DateField(format="%Y-%m")
    opening_points = serializers.IntegerField()
    issued_points = serializers.IntegerField()
    redeemed_points = serializers.IntegerField()
    expired_points = serializers.IntegerField()
    other_points = serializers.IntegerField()
    closing_points = serializers.IntegerField()
    opening_amount = _money()
    issued_amount = _money()
    redeemed_amount = _money()
    expired_amount = _money()
    other_amount = _money()
    closing_amount = _money()


class StatementOut(Out):
    currency = serializers.CharField()
    months = StatementMonthOut(many=True)


class LiabilityCalculatingOut(Out):
    status = serializers.CharField(help_text='"calculating": the first snapshot is not ready yet')
    retry_after_seconds = serializers.IntegerField()


class LiabilityRefreshOut(Out):
    queued = serializers.BooleanField(help_text="False when a recalculation was already queued or running")
