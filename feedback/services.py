"""Every write of feedback: plan a request per visit, send the due ones, store a guest's rating (by the bot's keyboard
or the signed link page), alert the staff of a low one, and the chain's settings.

The schedule is the table: `plan_feedback_requests` writes a pending row per applied check (loyalty's
checks_applied event, after commit) and the per-chain tick (`send_due_feedback_requests`, once a minute) sends
those whose visit is older than the chain's delay, through messaging (kind `feedback_request`: the guest's channel,
consent, quiet hours and caps), so a worker restart or a lost task loses nothing and a rerun sends nothing twice
(the row's status, and messaging's dedupe key per request). A request follows its message's delivery: not
delivered (messaging's messages_failed event), it is failed with the channel's reason and asked once more by the
next tick, then given up (feedback.rules, rule 5).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from analytics.periods import chain_time_zone
from audit.services import changes_between, record_audit
from feedback.errors import RatingLinkExpired, RatingLinkInvalid, ScoreInvalid
from feedback.models import FeedbackRequest, FeedbackSettings, RequestStatus, SkipReason, VisitRating
from feedback.rating_links import LinkExpired, rating_url, request_of_token
from feedback.rules import (
    ANSWER_WINDOW,
    COMMENT_WINDOW,
    after_failed_delivery,
    is_valid_score,
    needs_alert,
    needs_comment_alert,
)
from feedback.selectors import alert_recipients, feedback_settings
from guests.models import Guest, GuestStatus
from loyalty.models import AppliedCheck
from maxloyalty.current_schema import current_schema_name
from maxloyalty.task_queue import enqueue_after_commit
from messaging.models import Channel, Message, MessageStatus
from messaging.services import send_templated
from messaging.staff_alerts import deliver_staff_alert
from tenants.models import Chain

FEEDBACK_KIND = "feedback_request"
ALERT_TASK = "feedback.tasks.alert_low_rating"
DUE_BATCH = 200
# A request not sent this long after it fell due (feedback switched off meanwhile, a long outage) is dropped:
# asking about a visit of days ago reads as noise.
STALE_AFTER = datetime.timedelta(days=1)
COMMENT_MAX_LENGTH = 2000


# --- Planning and sending -------------------------------------------------------------------------------------


def plan_feedback_requests(*, visits: Iterable[tuple[Guest, AppliedCheck]]) -> int:
    """One pending request per newly applied check while the chain has feedback on, except the checks of the
    chain's test guest and of sample guests (nobody to ask); a check planned before (a replayed event) adds
    nothing. Returns how many were planned."""
    checks = [check for guest, check in visits if not (guest.is_test or guest.is_sample)]
    if not checks or not feedback_settings().is_enabled:
        return 0
    rows = [
        FeedbackRequest(
            applied_check_id=check.pk,
            guest_id=check.guest_id,
            restaurant_id=check.restaurant_id,
            visited_at=check.checked_at,
        )
        for check in checks
    ]
    created = FeedbackRequest.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _skip(request: FeedbackRequest, reason: str) -> None:
    request.status, request.reason = RequestStatus.SKIPPED, reason
    request.save(update_fields=["status", "reason"])


def _base_url() -> str:
    chain = Chain.objects.filter(schema_name=current_schema_name()).first()
    return chain.base_url if chain is not None else ""


def _due_requests(row: FeedbackSettings, now: datetime.datetime, batch: int) -> list[FeedbackRequest]:
    """The pending requests whose visit is older than the delay, then the failed ones (rule 5: asked again), each
    locked (two workers at once take different rows: SKIP LOCKED)."""
    locked = FeedbackRequest.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "guest", "applied_check"
    )
    pending = locked.filter(
        status=RequestStatus.PENDING, visited_at__lte=now - datetime.timedelta(minutes=row.delay_minutes)
    )
    failed = locked.filter(status=RequestStatus.FAILED)
    return [
        *pending.order_by("visited_at", "id")[:batch],
        *failed.order_by("visited_at", "id")[:batch],
    ]


def _not_asked(request: FeedbackRequest, reason: str) -> None:
    """Skipped with `reason`; a request asked before whose message was not delivered is given up instead, its
    delivery failure kept with the reason it is not asked again."""
    if request.status != RequestStatus.FAILED:
        _skip(request, reason)
        return
    request.status, request.reason = RequestStatus.UNDELIVERED, f"{request.reason} ({reason})"[:300]
    request.save(update_fields=["status", "reason"])


@transaction.atomic
def send_due_feedback_requests(*, now: datetime.datetime | None = None, batch: int = DUE_BATCH) -> int:
    """Send the requests whose visit is older than the chain's delay: at most one per guest in the chain's repeat
    gap, none for a refunded check or a visit too long ago. Each goes through messaging (consent, channel, quiet
    hours, caps); one messaging refuses is skipped with its reason. A request whose message was not delivered
    (rule 5 of feedback.rules) is sent once more, under a dedupe key of its own, by the same rules. Once a minute
    per chain. Returns how many were sent."""
    now = now or timezone.now()
    row = feedback_settings()
    if not row.is_enabled:
        return 0
    base_url, schema_name, sent = _base_url(), current_schema_name(), 0
    for request in _due_requests(row, now, batch):
        if request.visited_at < now - datetime.timedelta(minutes=row.delay_minutes) - STALE_AFTER:
            _not_asked(request, SkipReason.STALE)
            continue
        if request.applied_check.reversed_at is not None:
            _not_asked(request, SkipReason.REFUNDED)
            continue
        if request.guest.status != GuestStatus.ACTIVE:
            _not_asked(request, SkipReason.GUEST_INACTIVE)
            continue
        gap_start = now - datetime.timedelta(days=row.repeat_gap_days)
        # The guest's row is the lock send_to_guest takes too: two ticks at once cannot both pass the repeat gap.
        Guest.objects.select_for_update().filter(pk=request.guest_id).first()
        if FeedbackRequest.objects.filter(
            guest_id=request.guest_id, status=RequestStatus.SENT, sent_at__gt=gap_start
        ).exists():
            _not_asked(request, SkipReason.ASKED_RECENTLY)
            continue
        attempt = max(request.attempts, 1 if request.message_id else 0) + 1  # rows from before attempts counted
        url = rating_url(base_url=base_url, request_id=request.pk, schema_name=schema_name)
        message = send_templated(
            guest=request.guest,
            kind=FEEDBACK_KIND,
            dedupe_key=f"feedback:{request.pk}" if attempt == 1 else f"feedback:{request.pk}:{attempt}",
            extra_context={"feedback_url": url},
            now=now,
        )
        if message.status == MessageStatus.SUPPRESSED:
            _not_asked(request, message.reason)
            if request.status == RequestStatus.SKIPPED:
                request.message, request.channel = message, message.channel
                request.save(update_fields=["message", "channel"])
            continue
        request.message, request.channel, request.attempts = message, message.channel, attempt
        request.status, request.reason, request.sent_at = RequestStatus.SENT, "", now
        sent += 1
        request.save(update_fields=["message", "channel", "attempts", "status", "reason", "sent_at"])
    return sent


@transaction.atomic
def record_failed_deliveries(*, messages: Iterable[Message]) -> int:
    """Messages that did not reach the guest (messaging's messages_failed): the feedback requests they asked are
    failed with the channel's reason, to be asked again by the next tick, or undelivered after their last attempt
    (rule 5 of feedback.rules). Returns how many requests changed."""
    reasons = {message.pk: message.reason for message in messages if message.kind == FEEDBACK_KIND}
    if not reasons:
        return 0
    requests = list(
        FeedbackRequest.objects.select_for_update().filter(message_id__in=reasons, status=RequestStatus.SENT)
    )
    for request in requests:
        request.status = after_failed_delivery(max(request.attempts, 1))
        request.reason = (reasons.get(request.message_id or 0) or "")[:300]
        request.save(update_fields=["status", "reason"])
    return len(requests)


# --- Ratings --------------------------------------------------------------------------------------------------


def request_of_link(token: str) -> FeedbackRequest:
    """The request a rating link of this chain names; RatingLinkInvalid for any other token (forged, altered,
    another chain's, an erased guest's), RatingLinkExpired for a genuine one past the answer window."""
    try:
        request_id = request_of_token(token, schema_name=current_schema_name())
    except LinkExpired as error:
        raise RatingLinkExpired() from error
    request = (
        FeedbackRequest.objects.select_related("guest", "restaurant").filter(pk=request_id).first()
        if request_id is not None
        else None
    )
    if request is None or request.status != RequestStatus.SENT or request.guest.is_erased:
        raise RatingLinkInvalid()
    return request


def _save_rating(
    request: FeedbackRequest, *, score: int, comment: str | None, channel: str, now: datetime.datetime
) -> VisitRating:
    """One rating per visit: the first answer creates it, a later one changes the score (and the comment when one
    is given). A rating that is (or becomes) low alerts the staff once, after commit."""
    if not is_valid_score(score):
        raise ScoreInvalid(fields={"score": [str(ScoreInvalid.message)]})
    if request.sent_at is None or request.sent_at + ANSWER_WINDOW < now:
        raise RatingLinkExpired()
    rating = VisitRating.objects.select_for_update().filter(applied_check_id=request.applied_check_id).first()
    if rating is None:
        rating = VisitRating(
            applied_check_id=request.applied_check_id,
            guest_id=request.guest_id,
            restaurant_id=request.restaurant_id,
            visited_at=request.visited_at,
            created_at=now,
        )
    rating.score, rating.channel, rating.updated_at = score, channel, now
    if comment is not None:
        rating.comment = comment.strip()[:COMMENT_MAX_LENGTH]
    rating.save()
    _alert_if_needed(rating)
    return rating


def _alert_if_needed(rating: VisitRating) -> None:
    """Queue the staff alert after commit when the rating is low and not alerted yet, or its comment is new to them."""
    threshold = feedback_settings().low_score_threshold
    if needs_alert(
        score=rating.score, threshold=threshold, already_alerted=rating.alerted_at is not None
    ) or needs_comment_alert(
        score=rating.score,
        threshold=threshold,
        comment=rating.comment,
        comment_alerted=rating.comment_alerted_at is not None,
    ):
        enqueue_after_commit(ALERT_TASK, rating_id=rating.pk)


@transaction.atomic
def rate_visit_by_link(
    *, token: str, score: int, comment: str = "", now: datetime.datetime | None = None
) -> VisitRating:
    """The guest chose a score (and maybe wrote a comment) on the page of their email's or SMS's link."""
    request = request_of_link(token)
    # Two answers at once (a double tap) wait for each other here, so the second updates the first's rating.
    FeedbackRequest.objects.select_for_update().filter(pk=request.pk).first()
    channel = request.channel if request.channel in (Channel.EMAIL, Channel.SMS) else Channel.EMAIL
    return _save_rating(request, score=score, comment=comment, channel=channel, now=now or timezone.now())


@transaction.atomic
def rate_visit_by_telegram(
    *, guest: Guest, message_id: int, score: int, now: datetime.datetime | None = None
) -> VisitRating:
    """The guest pressed a score on the request's keyboard in the bot: the request is found by its message and
    must be this guest's (a callback names nothing else); RatingLinkInvalid otherwise."""
    request = (
        FeedbackRequest.objects.select_for_update()
        .filter(message_id=message_id, guest_id=guest.pk, status=RequestStatus.SENT)
        .first()
    )
    if request is None or guest.status != GuestStatus.ACTIVE:
        raise RatingLinkInvalid()
    return _save_rating(request, score=score, comment=None, channel=Channel.TELEGRAM, now=now or timezone.now())


@transaction.atomic
def add_comment_from_telegram(*, guest: Guest, text: str, now: datetime.datetime | None = None) -> VisitRating | None:
    """A text the guest sent the bot soon after rating a visit there (and before commenting) is that rating's
    comment; None when there is no such rating (the bot then answers as usual)."""
    now = now or timezone.now()
    text = text.strip()
    if not text or text.startswith("/"):
        return None
    rating = (
        VisitRating.objects.select_for_update()
        .filter(guest_id=guest.pk, channel=Channel.TELEGRAM, comment="", updated_at__gte=now - COMMENT_WINDOW)
        .order_by("-updated_at")
        .first()
    )
    if rating is None:
        return None
    rating.comment, rating.updated_at = text[:COMMENT_MAX_LENGTH], now
    rating.save(update_fields=["comment", "updated_at"])
    _alert_if_needed(rating)
    return rating


def forget_comments_of_guest(*, guest_id: int) -> int:
    """An erased guest's comments may name them: emptied (the scores stay, anonymous, in the restaurants' figures)."""
    return VisitRating.objects.filter(guest_id=guest_id).exclude(comment="").update(comment="")


# --- Alerts ---------------------------------------------------------------------------------------------------


def _alert_text(rating: VisitRating, guest: Guest, *, is_comment_only: bool) -> tuple[str, str]:
    restaurant = rating.restaurant.name if rating.restaurant is not None else _("the chain")
    visited = date_format(rating.visited_at.astimezone(chain_time_zone()), "DATETIME_FORMAT")
    values = {"score": rating.score, "restaurant": restaurant}
    if is_comment_only:
        subject = _("Comment on the low rating %(score)s/5 at %(restaurant)s") % values
    else:
        subject = _("Low rating %(score)s/5 at %(restaurant)s") % values
    lines = [
        _("A guest rated their visit %(score)s out of 5.") % {"score": rating.score},
        _("Restaurant: %(restaurant)s") % {"restaurant": restaurant},
        _("Visit: %(time)s") % {"time": visited},
        _("Guest: %(name)s, card %(card)s") % {"name": guest.first_name or "—", "card": guest.card_number or "—"},
        _("Comment: %(comment)s") % {"comment": rating.comment or "—"},
    ]
    return subject, "\n".join(lines)


def alert_low_rating(*, rating_id: int) -> int:
    """Alert the chain's chosen staff about a low rating (messaging.staff_alerts: Telegram for those who linked it,
    else email), once per rating (claimed by alerted_at), and its comment once more when it came after the alert
    (claimed by comment_alerted_at): a repeated task sends nothing. Returns how many staff and addresses were told."""
    with transaction.atomic():
        rating = (
            VisitRating.objects.select_for_update(of=("self",))
            .select_related("restaurant", "guest")
            .filter(pk=rating_id)
            .first()
        )
        row = feedback_settings()
        if rating is None:
            return 0
        threshold, now = row.low_score_threshold, timezone.now()
        is_first = needs_alert(score=rating.score, threshold=threshold, already_alerted=rating.alerted_at is not None)
        is_comment_only = not is_first and needs_comment_alert(
            score=rating.score,
            threshold=threshold,
            comment=rating.comment,
            comment_alerted=rating.comment_alerted_at is not None,
        )
        if not (is_first or is_comment_only):
            return 0
        rating.alerted_at = rating.alerted_at or now
        rating.comment_alerted_at = now if rating.comment else None
        rating.save(update_fields=["alerted_at", "comment_alerted_at"])
        chain = Chain.objects.filter(schema_name=current_schema_name()).first()
        user_ids = alert_recipients(chain_id=chain.pk, restaurant_id=rating.restaurant_id, row=row) if chain else []
        extra = [row.alert_email] if row.alert_email else []
        if not (user_ids or extra):
            return 0
        with translation.override(chain.default_language if chain is not None else settings.LANGUAGE_CODE):
            subject, body = _alert_text(rating, rating.guest, is_comment_only=is_comment_only)
        # Inside the claim: a mail server that fails rolls the claim back and the task's retry tries again.
        return deliver_staff_alert(user_ids=user_ids, subject=subject, body=body, extra_emails=extra).count


# --- Settings -------------------------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "is_enabled",
    "delay_minutes",
    "low_score_threshold",
    "repeat_gap_days",
    "alert_recipients",
    "alert_email",
)


@transaction.atomic
def update_feedback_settings(*, actor: User, **values: Any) -> FeedbackSettings:
    """The chain's feedback switch, delay, threshold, repeat gap and who is alerted, audited as old → new."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a feedback setting: {', '.join(sorted(unknown))}")
    row = FeedbackSettings.objects.select_for_update().get(pk=feedback_settings().pk)
    before = {field: getattr(row, field) for field in values}
    for field, value in values.items():
        setattr(row, field, value)
    row.save()
    changes = changes_between(before, {field: getattr(row, field) for field in values})
    if changes:
        record_audit(action="feedback.settings_changed", actor=actor, target=row, changes=changes)
    return row


__all__ = [
    "add_comment_from_telegram",
    "alert_low_rating",
    "forget_comments_of_guest",
    "plan_feedback_requests",
    "rate_visit_by_link",
    "rate_visit_by_telegram",
    "record_failed_deliveries",
    "request_of_link",
    "send_due_feedback_requests",
    "update_feedback_settings",
]
