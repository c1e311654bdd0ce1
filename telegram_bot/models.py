"""The chain's Telegram bot, its conversations with guests, the messages we send and campaign broadcasts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TelegramBot(models.Model):
    """The one bot of this chain (at most one row per schema). The token is encrypted at rest."""

    token_encrypted = models.TextField(_("bot token (encrypted)"), editable=False)
    bot_id = models.BigIntegerField(_("bot id"))
    username = models.CharField(_("bot username"), max_length=64)
    # Telegram echoes it in X-Telegram-Bot-Api-Secret-Token on every webhook call; encrypted like the token.
    webhook_secret_encrypted = models.TextField(_("webhook secret (encrypted)"), editable=False)
    webhook_url = models.CharField(_("webhook URL"), max_length=300, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(_("connected at"), default=timezone.now)

    class Meta:
        verbose_name = _("Telegram bot")
        verbose_name_plural = _("Telegram bots")
        constraints = [models.UniqueConstraint(fields=["bot_id"], name="telegram_bot_telegrambot_bot_unique")]

    def __str__(self) -> str:
        return f"@{self.username}"

    @property
    def link(self) -> str:
        return f"https://t.me/{self.username}"


class ProcessedUpdate(models.Model):
    """Update ids already taken in: Telegram retries a webhook call it considers failed, we act once."""

    update_id = models.BigIntegerField(_("update id"), primary_key=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("processed update")
        verbose_name_plural = _("processed updates")

    def __str__(self) -> str:
        return str(self.update_id)


class ChatState(models.TextChoices):
    NEW = "new", _("Greeted, waiting for the contact")
    CONSENT = "consent", _("Contact shared, waiting for the consent answer")
    LINKED = "linked", _("Linked to a guest")


class TelegramChat(models.Model):
    """A private chat with a Telegram user: where the registration conversation stands, language, preferences."""

    chat_id = models.BigIntegerField(_("chat id"))
    user_id = models.BigIntegerField(_("Telegram user id"))
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    state = models.CharField(_("state"), max_length=16, choices=ChatState.choices, default=ChatState.NEW)
    guest = models.OneToOneField(
        "guests.Guest", null=True, blank=True, on_delete=models.SET_NULL, related_name="telegram_chat"
    )
    shared_phone = models.CharField(_("shared phone"), max_length=20, blank=True)
    # From the /start deep link: who invited the guest, which restaurant, which campaign.
    referrer = models.ForeignKey(
        "guests.Guest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    campaign_tag = models.CharField(_("campaign tag"), max_length=50, blank=True)
    notifications_enabled = models.BooleanField(_("notifications on"), default=True)
    unreachable_at = models.DateTimeField(
        _("blocked the bot at"), null=True, blank=True, help_text=_("Telegram answered 403: no more messages")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")
        constraints = [
            models.UniqueConstraint(fields=["chat_id"], name="telegram_bot_telegramchat_chat_unique"),
            models.UniqueConstraint(fields=["user_id"], name="telegram_bot_telegramchat_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.chat_id} ({self.state})"

    @property
    def is_unreachable(self) -> bool:
        return self.unreachable_at is not None


class BroadcastStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("broadcast status", "Scheduled")
    SENDING = "sending", pgettext_lazy("broadcast status", "Sending")
    DONE = "done", pgettext_lazy("broadcast status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("broadcast status", "Cancelled")


class Broadcast(models.Model):
    """A marketing message to a segment of guests who agreed to receive offers in Telegram."""

    text = models.TextField(_("text"), max_length=4000)
    image_url = models.URLField(_("image URL"), blank=True)
    button_text = models.CharField(_("button text"), max_length=64, blank=True)
    button_url = models.URLField(_("button link"), blank=True)
    # The segment: empty filters match everyone.
    level = models.ForeignKey(
        "loyalty.Level", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("level")
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, verbose_name=_("any of the tags"))
    last_visit_from = models.DateField(_("last visit on or after"), null=True, blank=True)
    last_visit_to = models.DateField(_("last visit on or before"), null=True, blank=True)
    birthday_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=BroadcastStatus.choices, default=BroadcastStatus.SCHEDULED
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "send_at"], name="telegram_broadcast_due_idx")]

    def __str__(self) -> str:
        return f"{self.text[:40]} ({self.status})"

    @property
    def is_cancellable(self) -> bool:
        return self.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)


class MessageKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    RECEIPT = "receipt", _("Points after a check")
    LEVEL_CHANGED = "level_changed", _("Level changed")
    BIRTHDAY = "birthday", _("Birthday bonus")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    BROADCAST = "broadcast", _("Campaign")


MARKETING_KINDS = frozenset({MessageKind.BROADCAST})


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message to one guest through the chain's bot, and what became of it (the delivery log)."""

    guest = models.ForeignKey(
        "guests.Guest", on_delete=models.CASCADE, related_name="telegram_deliveries", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=32, choices=MessageKind.choices)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    # One message per source event (a check, an outbox row, a broadcast × guest): a repeat inserts nothing.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram delivery")
        verbose_name_plural = _("Telegram deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="telegram_bot_delivery_dedupe_unique")]
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="telegram_delivery_guest_idx"),
            models.Index(fields=["broadcast", "status"], name="telegram_delivery_bcast_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.guest_id} ({self.status})"


class StaffTelegramLink(models.Model):
    """A staff member's Telegram chat with this chain's bot, where their alerts go (fraud flags, low ratings).

    "Connect Telegram" on the staff member's page issues a one-time deep link `t.me/<bot>?start=staff_<token>`: only
    the token's SHA-256 is kept (`token_hash`), until it is used or expires. The bot's /start with that parameter
    sets `chat_id`; "Disconnect" clears it. One row per staff member of the chain (this schema)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(_("link token (SHA-256)"), max_length=64, blank=True, editable=False)
    token_expires_at = models.DateTimeField(_("link token expires at"), null=True, blank=True)
    chat_id = models.BigIntegerField(_("chat id"), null=True, blank=True)
    telegram_username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    unreachable_at = models.DateTimeField(
        _("blocked the bot at"), null=True, blank=True, help_text=_("Telegram answered 403: alerts go by email")
    )

    class Meta:
        verbose_name = _("staff Telegram link")
        verbose_name_plural = _("staff Telegram links")
        indexes = [models.Index(fields=["token_hash"], name="telegram_staff_token_idx")]

    def __str__(self) -> str:
        return f"staff {self.user_id} → {self.chat_id or '-'}"

    @property
    def is_linked(self) -> bool:
        return self.chat_id is not None
