"""Roll-ups of a chain's activity, kept by analytics.rollups: one row per local day × restaurant, and one row per
guest × local month × restaurant (plus the guest's whole-chain row) for the metrics that count distinct guests."""

from __future__ import annotations

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DailyRestaurantStats(models.Model):
    """What happened on one day (in the chain's time zone) in one restaurant; restaurant empty: not attributed."""

    day = models.DateField(_("day"))
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.CASCADE, related_name="daily_stats"
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


class GuestMonthActivity(models.Model):
    """A guest's visits in one month (first day of the month in the chain's time zone) in one restaurant, or in the
    whole chain when restaurant is empty (that row also counts visits not attributed to a restaurant).

    first_visit_month is the guest's first month with a visit in the same scope (the restaurant, or the whole chain),
    repeated on each of the guest's rows of that scope so that cohorts are one GROUP BY.
    """

    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+", db_index=False)
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("month"))
    visits = models.IntegerField(_("visits"))
    amount = models.DecimalField(_("spend"), max_digits=16, decimal_places=2)
    first_visited_at = models.DateTimeField(_("first visit in the month"))
    last_visited_at = models.DateTimeField(_("last visit in the month"))
    first_visit_month = models.DateField(_("month of the first visit"))

    class Meta:
        verbose_name = _("guest activity in a month")
        verbose_name_plural = _("guest activity by month")
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "restaurant", "month"],
                nulls_distinct=False,
                name="analytics_guestmonthactivity_one_per_month",
            )
        ]
        indexes = [
            models.Index(  # the per-guest figures of a period read only this index
                fields=["restaurant", "month"],
                include=["guest", "visits", "amount", "first_visited_at", "last_visited_at"],
                name="analytics_gma_rest_month_idx",
            ),
            models.Index(
                fields=["restaurant", "first_visit_month", "month"],
                include=["guest"],
                name="analytics_gma_cohort_idx",
            ),
            models.Index(fields=["last_visited_at"], name="analytics_gma_last_visit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id} / {self.restaurant_id} / {self.month:%Y-%m}"


class LiabilitySnapshot(models.Model):
    """The liability summary (analytics.liability.liability_summary) as computed at one moment: at full scale it reads
    the whole ledger (about a minute at 10M entries), so the page and the API show the newest snapshot and refresh
    it in the background (analytics.liability_snapshots)."""

    computed_at = models.DateTimeField(_("computed at"), default=timezone.now, db_index=True)
    seconds = models.FloatField(_("seconds it took"), default=0)
    summary = models.JSONField(_("summary"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("liability snapshot")
        verbose_name_plural = _("liability snapshots")

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M}"


class FiguresSnapshot(models.Model):
    """The figures of one page's view (the dashboard's or the analytics page's, for one period and set of
    restaurants) as computed at one moment, with the roll-ups' fingerprint they were computed from. At 1M guests the
    distinct-guest figures take a second or more, so a page shows the newest snapshot of its view at once and, when
    the roll-ups have changed since, has it recomputed in the background (analytics.figure_snapshots)."""

    view = models.CharField(_("view"), max_length=40)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    scope = models.CharField(_("restaurants"), max_length=200)  # "all" or the sorted restaurant ids
    fingerprint = models.CharField(_("roll-ups' fingerprint"), max_length=64)
    figures = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now, db_index=True)
    seconds = models.FloatField(_("seconds it took"), default=0)

    class Meta:
        verbose_name = _("figures snapshot")
        verbose_name_plural = _("figures snapshots")
        constraints = [
            models.UniqueConstraint(fields=["view", "start", "end", "scope"], name="analytics_figures_one_per_view")
        ]

    def __str__(self) -> str:
        return f"{self.view} {self.start}…{self.end} ({self.scope})"
