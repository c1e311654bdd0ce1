"""The chain's automations: per kind of occasion (a registration, a first visit, a lapse, a birthday, expiring
points, a level won or about to be lost) whether it runs, its days, the channels it may use and its bonus; and the
log of what each automation sent, one row per guest and occasion (what makes a rerun send nothing twice)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models import Channel, default_channel_order


class AutomationKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome after registration")
    WELCOME_REMINDER = "welcome_reminder", _("Reminder: no first visit yet")
    FIRST_VISIT = "first_visit", _("Thank you for the first visit")
    WIN_BACK = "win_back", _("Win-back: no visit for a while")
    BIRTHDAY = "birthday", _("Birthday")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    LEVEL_UP = "level_up", _("Level up")
    LEVEL_AT_RISK = "level_at_risk", _("Level about to be lost")


class WinBackMode(models.TextChoices):
    FIXED = "fixed", _("The same number of days for every guest")
    RHYTHM = "rhythm", _("Each guest's own visit rhythm")


class Automation(models.Model):
    """One automation of the chain (one row per kind, made with its defaults on first use: automations.selectors)."""

    kind = models.CharField(_("automation"), max_length=32, choices=AutomationKind.choices)
    is_enabled = models.BooleanField(_("on"), default=False)
    # What "days" means depends on the kind (automations.rules.DAYS_MEANING): days after registration without a
    # visit, days without a visit, days before the birthday, the expiry or the level's loss.
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    win_back_mode = models.CharField(
        _("win-back after"), max_length=16, choices=WinBackMode.choices, default=WinBackMode.FIXED
    )
    rhythm_factor = models.DecimalField(
        _("times the guest's usual gap"), max_digits=4, decimal_places=2, default=Decimal("2.00")
    )
    rhythm_floor_days = models.PositiveSmallIntegerField(_("but at least, days"), default=14)
    channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        default=default_channel_order,
        verbose_name=_("channels"),
    )
    bonus_points = models.PositiveIntegerField(_("bonus points"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automation")
        verbose_name_plural = _("automations")
        constraints = [models.UniqueConstraint(fields=["kind"], name="automations_automation_kind_unique")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class AutomationSend(models.Model):
    """An automation's message to one guest for one occasion (the registration, a lapse since a given visit, the
    birthday of a year, ...). Unique per kind, guest and occasion: a second run, or a second worker at the same
    moment, finds the row (or waits for it) and sends nothing."""

    kind = models.CharField(_("automation"), max_length=32, choices=AutomationKind.choices)
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+", db_index=False)
    occasion = models.CharField(_("occasion"), max_length=64)
    message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bonus_points = models.PositiveIntegerField(_("bonus points given"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("automation message")
        verbose_name_plural = _("automation messages")
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "kind", "occasion"], name="automations_automationsend_occasion_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="automations_send_kind_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.guest_id} ({self.occasion})"
