"""Daily roll-ups of a chain's activity: one row per local day × restaurant, kept by analytics.rollups."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DailyRestaurantStats(models.Model):
    """What happened on one day (in the chain's time zone) in one restaurant; restaurant empty: not attributed."""

    day = models.DateField(_("day"))
    restaurant = models.ForeignKey(
        "pos.Restaurant", null=True, blank=True, on_delete=models.CASCADE, related_name="daily_stats"
    )
    new_guests = models.IntegerField(_("new guests"), default=0)
    visits = models.IntegerField(_("visits of loyalty guests"), default=0)
    loyalty_revenue_amount = models.DecimalField(
        _("revenue from loyalty guests"), max_digits=16, decimal_places=2, default=Decimal(0)
    )
    other_checks = models.IntegerField(_("checks without a guest"), default=0)
    other_revenue_amount = models.DecimalField(
        _("revenue from other checks"), max_digits=16, decimal_places=2, default=Decimal(0)
    )
    points_issued = models.BigIntegerField(_("points issued"), default=0)
    points_redeemed = models.BigIntegerField(_("points redeemed"), default=0)
    points_expired = models.BigIntegerField(_("points expired"), default=0)
    points_net = models.BigIntegerField(_("change of outstanding points"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("daily restaurant statistics")
        verbose_name_plural = _("daily restaurant statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "restaurant"], nulls_distinct=False, name="analytics_dailyrestaurantstats_one_per_day"
            )
        ]
        indexes = [models.Index(fields=["restaurant", "day"], name="analytics_daily_rest_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} / {self.restaurant_id}"
