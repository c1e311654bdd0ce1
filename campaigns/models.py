"""Campaigns' tables in each chain's schema: saved segments (a name and filters, evaluated when used), the
chain's campaign settings, campaigns and who each was sent to (or held out from)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.rules import SegmentFilters, parse_filters


class Segment(models.Model):
    """A named group of guests described by filters (campaigns.rules); who is in it is decided in SQL each time it
    is used (campaigns.selectors.segment_guests), never stored."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="campaigns_segment_name_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The filters are checked and stored in their one spelling whoever saves (ValidationFailed otherwise)."""
        self.filters = parse_filters(self.filters).as_json()
        super().save(*args, **kwargs)

    @property
    def parsed_filters(self) -> SegmentFilters:
        return parse_filters(self.filters)


class CampaignSettings(models.Model):
    """The chain's campaign settings: exactly one row per chain schema (id = 1), absent until first changed."""

    managers_may_use_segments = models.BooleanField(
        _("managers may build segments of their restaurants' guests"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")

    def __str__(self) -> str:
        return "campaign settings"


class CampaignChannel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


def all_campaign_channels() -> list[str]:
    return list(CampaignChannel.values)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
    SCHEDULED = "scheduled", pgettext_lazy("campaign status", "Scheduled")
    SENDING = "sending", pgettext_lazy("campaign status", "Sending")
    SENT = "sent", pgettext_lazy("campaign status", "Sent")
    CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")


class Campaign(models.Model):
    """One message to a segment's guests, its texts per channel, an optional gift (bonus points or a promo code),
    when it goes out and the share of the segment held out as the control group (campaigns.services writes it,
    campaigns.sending sends it, campaigns.results measures it)."""

    name = models.CharField(_("name"), max_length=100)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    channels = ArrayField(
        models.CharField(max_length=16, choices=CampaignChannel.choices),
        default=all_campaign_channels,
        verbose_name=_("channels allowed"),
    )
    email_subject = models.CharField(_("email subject"), max_length=200, blank=True)
    email_html = models.TextField(_("email HTML"), blank=True)
    email_text = models.TextField(_("email text"), blank=True)
    sms_text = models.TextField(_("SMS text"), blank=True)
    telegram_text = models.TextField(_("Telegram text"), blank=True)
    bonus_points = models.PositiveIntegerField(_("bonus points"), default=0)
    promo_code = models.ForeignKey(
        "loyalty.PromoCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("control group, % of the segment"),
        default=10,
        validators=[MaxValueValidator(90)],
    )
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    # When the segment was evaluated and split into the treated and the control group (once: a rerun keeps it).
    members_split_at = models.DateTimeField(_("members split at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(holdout_percent__lte=90), name="campaigns_campaign_holdout_at_most_90"
            ),
            models.CheckConstraint(
                condition=models.Q(bonus_points=0) | models.Q(promo_code__isnull=True),
                name="campaigns_campaign_one_gift",
            ),
        ]
        indexes = [
            models.Index(fields=["send_at"], condition=models.Q(status="scheduled"), name="campaigns_campaign_due_idx")
        ]

    def __str__(self) -> str:
        return self.name


class RecipientGroup(models.TextChoices):
    TREATED = "treated", _("Treated")
    CONTROL = "control", _("Control")


class CampaignRecipient(models.Model):
    """One member of the segment at send time, in the treated group (sent the message) or the control group (sent
    nothing, measured all the same). Unique per campaign and guest: a rerun adds nobody twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("group"), max_length=8, choices=RecipientGroup.choices)
    message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("handed to messaging at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        constraints = [models.UniqueConstraint(fields=["campaign", "guest"], name="campaigns_campaignrecipient_once")]
        indexes = [models.Index(fields=["campaign", "group", "sent_at"], name="campaigns_recipient_group_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.guest_id} ({self.group})"
