"""Post-visit feedback: the chain's settings, one request per visit (an applied check) and the guest's rating of it.

A request is planned when a check is applied (feedback.signals, while the chain has feedback on) and sent by the
per-chain tick once the visit is older than the chain's delay: the row in the database is the schedule, so a
worker restart loses nothing. One rating per visit: a second answer (the guest changed their mind, or adds a
comment) updates it, while the link or the message is still fresh.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertRecipients(models.TextChoices):
    MANAGERS = "managers", _("The restaurant's managers (owners and admins when it has none)")
    MANAGERS_AND_ADMINS = "managers_and_admins", _("The restaurant's managers, the owners and the admins")
    OWNERS_AND_ADMINS = "owners_and_admins", _("The owners and the admins")
    NOBODY = "nobody", _("Nobody")


class FeedbackSettings(models.Model):
    """How the chain asks for feedback: exactly one row per chain schema (id = 1, feedback.selectors)."""

    is_enabled = models.BooleanField(_("ask guests to rate their visit"), default=False)
    delay_minutes = models.PositiveIntegerField(_("delay after the visit, minutes"), default=120)
    low_score_threshold = models.PositiveSmallIntegerField(
        _("low rating threshold"), default=3, help_text=_("A rating at or below it alerts the staff")
    )
    repeat_gap_days = models.PositiveSmallIntegerField(_("ask the same guest at most once in, days"), default=14)
    alert_recipients = models.CharField(
        _("who is alerted"), max_length=24, choices=AlertRecipients.choices, default=AlertRecipients.MANAGERS
    )
    alert_email = models.EmailField(_("also alert this address"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="feedback_feedbacksettings_one_row")]

    def __str__(self) -> str:
        return str(_("Feedback settings"))


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the delay")
    SENT = "sent", _("Asked")
    SKIPPED = "skipped", _("Not asked")
    FAILED = "failed", _("Not delivered, to be asked again")
    UNDELIVERED = "undelivered", _("Not delivered")


class SkipReason(models.TextChoices):
    """Why feedback skipped a request (its reason; messaging's refusal codes, such as no_consent, are kept too)."""

    STALE = "stale", _("The visit is too long ago")
    REFUNDED = "refunded", _("The check was refunded")
    ASKED_RECENTLY = "asked_recently", _("The guest was asked recently")
    GUEST_INACTIVE = "guest_inactive", _("The guest is blocked or erased")


class FeedbackRequest(models.Model):
    """The question about one visit: planned with the check, sent once after the delay (or skipped, with why);
    a message that was not delivered makes it failed (with the channel's reason), asked once more by the next tick
    and undelivered when that fails too."""

    applied_check = models.OneToOneField(
        "loyalty.AppliedCheck", on_delete=models.CASCADE, related_name="+", verbose_name=_("check")
    )
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+", db_index=False)
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    visited_at = models.DateTimeField(_("visit time"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    reason = models.CharField(_("why not asked or not delivered"), max_length=300, blank=True)
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    sent_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    # Messages sent for it: a request whose message was not delivered is sent once more (feedback.rules).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback request")
        verbose_name_plural = _("feedback requests")
        indexes = [
            # The tick's question: pending requests whose visit is older than the delay.
            models.Index(fields=["visited_at"], condition=Q(status="pending"), name="feedback_request_due_idx"),
            # "Asked this guest in the last N days?"
            models.Index(fields=["guest", "sent_at"], condition=Q(status="sent"), name="feedback_request_asked_idx"),
            models.Index(fields=["message"], condition=Q(message__isnull=False), name="feedback_request_message_idx"),
            # The tick's other question: requests whose message was not delivered, to be asked again.
            models.Index(fields=["visited_at"], condition=Q(status="failed"), name="feedback_request_retry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.applied_check_id} → {self.guest_id} ({self.status})"


class VisitRating(models.Model):
    """A guest's rating of one visit (1-5) and their comment; one per visit, a second answer updates it."""

    applied_check = models.OneToOneField(
        "loyalty.AppliedCheck", on_delete=models.CASCADE, related_name="+", verbose_name=_("check")
    )
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="+", db_index=False)
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    channel = models.CharField(_("channel"), max_length=16)
    visited_at = models.DateTimeField(_("visit time"))
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # When the staff were told about this rating being low (at most once per rating), and when about its comment
    # (with the alert, or once more when the comment came after it: the bot asks for it after the score).
    alerted_at = models.DateTimeField(_("staff alerted at"), null=True, blank=True)
    comment_alerted_at = models.DateTimeField(_("staff told the comment at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit rating")
        verbose_name_plural = _("visit ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="feedback_visitrating_score_1_to_5")
        ]
        indexes = [
            models.Index(fields=["restaurant", "-created_at"], name="feedback_rating_restaurant_idx"),
            models.Index(fields=["-created_at"], name="feedback_rating_created_idx"),
            models.Index(fields=["guest", "-updated_at"], name="feedback_rating_guest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.applied_check_id}: {self.score}"
