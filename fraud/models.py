"""The fraud rules' settings (the owner's thresholds) and the flags they raise, with their evidence and review."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FraudSettings(models.Model):
    """The chain's thresholds: exactly one row per chain schema (id = 1), absent (the defaults) until first changed."""

    is_enabled = models.BooleanField(_("fraud rules on"), default=True)
    max_checks_per_hour = models.PositiveIntegerField(_("most checks of one guest in an hour"), default=4)
    max_speed_kmh = models.PositiveIntegerField(_("fastest plausible travel between restaurants, km/h"), default=120)
    same_amount_repeats = models.PositiveIntegerField(
        _("same amount on one guest at one till: flag from this many checks"), default=3
    )
    same_amount_window_hours = models.PositiveIntegerField(_("… within hours"), default=24)
    cashier_share_factor = models.DecimalField(
        _("a cashier's share above their restaurant's, times"), max_digits=5, decimal_places=2, default=Decimal(3)
    )
    cashier_min_checks = models.PositiveIntegerField(_("checks a cashier needs before being compared"), default=20)
    cashier_window_days = models.PositiveIntegerField(_("cashier comparison over days"), default=30)
    registrations_without_visit = models.PositiveIntegerField(
        _("new guests of one cashier with no later visit: flag from"), default=10
    )
    registration_window_days = models.PositiveIntegerField(_("registrations over days"), default=30)
    alert_email = models.EmailField(
        _("alert email"),
        blank=True,
        help_text=_("Empty: each owner's and admin's own email. Those who linked Telegram get alerts there anyway."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fraud settings")
        verbose_name_plural = _("fraud settings")

    def __str__(self) -> str:
        return "fraud settings"


class FraudRule(models.TextChoices):
    VELOCITY = "velocity", _("Too many checks in an hour")
    DISTANCE = "distance", _("Restaurants too far apart for the time between")
    SAME_AMOUNT = "same_amount", _("Same amount repeated at one till")
    REFUND_AFTER_REDEMPTION = "refund_after_redemption", _("Refund after the points were spent")
    CASHIER_SHARE = "cashier_share", _("Cashier far above their restaurant")
    REGISTRATIONS_WITHOUT_VISIT = "registrations_without_visit", _("New guests with no later visit")


class FlagStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("fraud flag", "Open")
    DISMISSED = "dismissed", _("Dismissed")
    ACTIONED = "actioned", _("Acted on")


class FraudFlag(models.Model):
    """One rule's finding about a guest (guest rules) or a staff member at a restaurant (cashier rules).

    `key` names the rule, its subject and its window ("velocity:guest:12:2026-12-07T18"): a rerun of the rule over the
    same facts finds the same key and adds nothing."""

    rule = models.CharField(_("rule"), max_length=32, choices=FraudRule.choices)
    key = models.CharField(_("key"), max_length=200)
    guest = models.ForeignKey(
        "guests.Guest", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("guest")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff member"),
    )
    restaurant = models.ForeignKey(
        "restaurants.Restaurant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("restaurant"),
    )
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    alerted_at = models.DateTimeField(_("owner alerted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("fraud flag")
        verbose_name_plural = _("fraud flags")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="fraud_fraudflag_once")]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="fraud_flag_status_idx"),
            models.Index(fields=["guest", "-created_at"], name="fraud_flag_guest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} #{self.pk}"
