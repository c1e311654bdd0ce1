"""Messages to guests through every channel (Telegram, email, SMS): the chain's messaging settings, each guest's
preferred channel, the one log of messages sent, and the addresses email must no longer go to."""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


DEFAULT_CHANNEL_ORDER = [Channel.TELEGRAM.value, Channel.EMAIL.value, Channel.SMS.value]


def default_channel_order() -> list[str]:
    return list(DEFAULT_CHANNEL_ORDER)


class SmsProvider(models.TextChoices):
    NONE = "", _("None")
    TWILIO = "twilio", "Twilio"
    SMSRU = "smsru", "SMS.ru"


class MessagingSettings(models.Model):
    """How the chain talks to its guests: exactly one row per chain schema (id = 1, messaging.selectors)."""

    # Marketing waits out these local hours (the guest's home restaurant's zone); both empty: no quiet hours.
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True, default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True, default=datetime.time(9, 0))
    marketing_per_day = models.PositiveSmallIntegerField(_("marketing messages per guest per day"), default=1)
    marketing_per_week = models.PositiveSmallIntegerField(_("marketing messages per guest per week"), default=3)
    channel_order = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        default=default_channel_order,
        verbose_name=_("channel order"),
        help_text=_("Tried in this order when the guest has no preferred channel or cannot be reached there"),
    )
    email_sender_name = models.CharField(_("email sender name"), max_length=100, blank=True)
    email_sender_address = models.EmailField(
        _("email sender address"), blank=True, help_text=_("Empty: the platform's sender address")
    )
    sms_provider = models.CharField(
        _("SMS provider"), max_length=16, choices=SmsProvider.choices, default=SmsProvider.NONE, blank=True
    )
    # The provider's credentials as JSON (account sid and token, API key), encrypted like the bot token.
    sms_credentials_encrypted = models.TextField(_("SMS credentials (encrypted)"), blank=True, editable=False)
    # An alphanumeric sender ID (11 characters at most, the operators' limit), a number (E.164) or a Twilio
    # Messaging Service SID (MG + 32 hex).
    sms_sender_name = models.CharField(_("SMS sender"), max_length=34, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="messaging_messagingsettings_one_row")]

    def __str__(self) -> str:
        return str(_("Messaging settings"))


class ChannelPreference(models.Model):
    """The channel a guest asked to hear from the chain through (used first when consented and reachable)."""

    guest = models.OneToOneField("guests.Guest", on_delete=models.CASCADE, related_name="channel_preference")
    channel = models.CharField(_("preferred channel"), max_length=16, choices=Channel.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return f"{self.guest_id}: {self.channel}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message status", "Queued")
    SENT = "sent", pgettext_lazy("message status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
    FAILED = "failed", pgettext_lazy("message status", "Failed")
    BOUNCED = "bounced", pgettext_lazy("message status", "Bounced")
    COMPLAINED = "complained", pgettext_lazy("message status", "Marked as spam")
    SUPPRESSED = "suppressed", pgettext_lazy("message status", "Not sent")


# Kinds that are a direct answer to the guest's own action: no frequency cap, no quiet hours.
TRANSACTIONAL_KINDS = frozenset({"receipt"})


class Message(models.Model):
    """One message to one guest through one channel. The dedupe key is unique: a rerun of whatever sends (an
    automation, a campaign batch, a retry) inserts nothing and sends nothing twice."""

    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    is_marketing = models.BooleanField(_("marketing"), default=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text_body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=255, blank=True, db_index=True)
    parts = models.PositiveSmallIntegerField(_("parts"), default=1)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    not_before_at = models.DateTimeField(_("not before"), null=True, blank=True)
    # When its delivery task was last handed to the broker: None while it waits out quiet hours; the per-chain tick
    # (messaging.services.queue_due_messages) hands over what is due and what a lost task left behind.
    queued_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # Where the channel reports them (email's tracking webhooks): the first open and the first click. They sit
    # beside the delivery status, which they never change.
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="messaging_message_dedupe_unique")]
        indexes = [
            # The frequency caps count a guest's marketing of the last week (messaging.channels).
            models.Index(fields=["guest", "is_marketing", "created_at"], name="messaging_message_guest_idx"),
            models.Index(
                fields=["queued_at"], condition=models.Q(status="queued"), name="messaging_message_queued_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.guest_id} by {self.channel or '-'} ({self.status})"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", _("Hard bounce")
    COMPLAINED = "complained", _("Marked as spam")


class EmailSuppression(models.Model):
    """An address no email goes to any more (a hard bounce or a spam complaint). Stored lower-cased."""

    address = models.EmailField(_("address"))
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(_("suppressed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suppressed email address")
        verbose_name_plural = _("suppressed email addresses")
        constraints = [models.UniqueConstraint(fields=["address"], name="messaging_emailsuppression_address_unique")]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class TemplateKind(models.TextChoices):
    """The messages a chain may word itself: the automatic ones (the bot's kinds, the automations') and the feedback
    request."""

    WELCOME = "welcome", _("Welcome")
    RECEIPT = "receipt", _("Points after a check")
    LEVEL_CHANGED = "level_changed", _("Level changed")
    BIRTHDAY = "birthday", _("Birthday bonus")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")
    # The automations' own (automations.rules.TEMPLATE_KINDS)
    WELCOME_REMINDER = "welcome_reminder", _("Reminder: no first visit yet")
    FIRST_VISIT = "first_visit", _("Thank you for the first visit")
    WIN_BACK = "win_back", _("Win-back: no visit for a while")
    LEVEL_AT_RISK = "level_at_risk", _("Level about to be lost")


class TemplateLanguage(models.TextChoices):
    RUSSIAN = "ru", _("Russian")
    ENGLISH = "en", _("English")


class MessageTemplate(models.Model):
    """The chain's own wording of one kind of message in one language, per channel. Without a row the built-in
    default (messaging.message_templates.DEFAULT_TEMPLATES) is used; an empty field also falls back to it."""

    kind = models.CharField(_("kind"), max_length=32, choices=TemplateKind.choices)
    language = models.CharField(_("language"), max_length=8, choices=TemplateLanguage.choices)
    email_subject = models.CharField(_("email subject"), max_length=200, blank=True)
    email_html = models.TextField(_("email HTML"), blank=True)
    email_text = models.TextField(_("email text"), blank=True)
    sms_text = models.TextField(_("SMS text"), blank=True)
    telegram_text = models.TextField(_("Telegram text"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="messaging_messagetemplate_kind_language_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"
