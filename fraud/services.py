"""Every write of the fraud review: flags raised by the rules (once per rule, subject and window), the reviewer's
dismissal, freeze, unfreeze and reversals (audited), the owner's thresholds, and the alert to the owner.

When the rules run: the per-guest rules (velocity, distance, same amount, refund after redemption) in a task queued
after checks (coalesced: note_checked_guests) or a refund are written (fraud.signals: never inline in the POS path); the staff rules nightly per chain
(fraud.tasks.fraud_night, the chain's 4 a.m.). A freeze holds spending only (loyalty.services.set_points_frozen):
the guest's purchases still earn, so a dismissed suspicion costs the guest nothing, and what was earned wrongly is
reversed by the reviewer, entry by entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import ChainAccess
from accounts.models import Membership
from accounts.roles import ROLE_PERMISSIONS, Permission
from audit.services import changes_between, record_audit
from fraud import rules
from fraud.errors import EntryNotInFlag, FlagHasNoGuest
from fraud.models import FlagStatus, FraudFlag, FraudRule, FraudSettings
from fraud.selectors import (
    access_flag,
    flag_entries,
    fraud_settings,
    guests_check_facts,
    guests_refund_facts,
    known_flag_keys,
    registration_stats,
    restaurant_places,
    reversed_entry_ids,
    staff_stats,
    till_stats,
)
from guests.models import Guest
from loyalty.selectors import current_chain
from loyalty.services import reverse_entry, set_points_frozen
from maxloyalty.errors import ValidationFailed
from maxloyalty.task_queue import enqueue, enqueue_after_commit
from messaging.staff_alerts import deliver_staff_alert
from tenants.models import Chain

SETTINGS_FIELDS = (
    "is_enabled",
    "max_checks_per_hour",
    "max_speed_kmh",
    "same_amount_repeats",
    "same_amount_window_hours",
    "cashier_share_factor",
    "cashier_min_checks",
    "cashier_window_days",
    "registrations_without_visit",
    "registration_window_days",
    "alert_email",
)
# A registration this recent has had no fair chance of a second visit yet.
REGISTRATION_GRACE = datetime.timedelta(days=7)


def _flag_rows(
    rule: str, findings: Iterable[rules.Finding], *, guest_id: int | None = None, staff_id: int | None = None
) -> list[FraudFlag]:
    """Unsaved flags of the findings, each under its key (rule, subject, window); neither a guest nor a staff
    member: a POS till, named in the window."""
    subjects = {"guest": guest_id, "staff": staff_id}
    subject = next((f"{kind}:{value}" for kind, value in subjects.items() if value is not None), "till")
    return [
        FraudFlag(
            rule=rule,
            key=f"{rule}:{subject}:{finding.window}"[:200],
            guest_id=guest_id,
            staff_id=staff_id,
            restaurant_id=finding.restaurant_id,
            evidence={**finding.evidence, **({"entry_ids": list(finding.entry_ids)} if finding.entry_ids else {})},
        )
        for finding in findings
    ]


def _record_flags(rows: Sequence[FraudFlag]) -> list[FraudFlag]:
    """Insert the flags whose key is new (one statement; a concurrent run's insert of the same key wins quietly) and
    queue the owner's alert after commit. Returns the flags written now."""
    known = known_flag_keys([row.key for row in rows])
    fresh = {row.key: row for row in rows if row.key not in known}
    if not fresh:
        return []
    FraudFlag.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    created = list(FraudFlag.objects.filter(key__in=list(fresh), alerted_at__isnull=True).order_by("id"))
    if created:
        enqueue_after_commit("fraud.tasks.send_flag_alerts", flag_ids=[flag.pk for flag in created])
    return created


# The per-guest rules read the checks closed this long before now at least (their longest window, one hour more).
MIN_GUEST_LOOKBACK = datetime.timedelta(hours=25)

# --- guests waiting for the per-guest rules (after checks) ------------------------------------------------------
# The POS drain applies checks in many small batches; a task per batch would cost its own dispatch, schema set-up
# and reads each time. Instead each batch's guests join one Redis set per chain (one SADD) and one task, queued
# FRAUD_GUEST_CHECK_DELAY_SECONDS later, takes the whole set: one task and a few statements per thousand checks.
PENDING_GUESTS_KEY = "fraud:pending-guests"
PENDING_TASK_FLAG = "fraud:pending-guests-queued"
GUEST_TASK = "fraud.tasks.check_guests_task"
GUESTS_PER_RUN = 1000  # guests whose facts one run of check_guests reads together


def _redis() -> Any | None:
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    except (ImportError, NotImplementedError):  # development without Redis: the local-memory cache
        return None


def note_checked_guests(*, guest_ids: Sequence[int]) -> None:
    """After checks commit: the guests wait for the per-guest rules, and one task is queued for them unless one is
    queued already (SET NX). Without Redis, a task for these guests at once."""
    redis = _redis()
    if redis is None:
        enqueue(GUEST_TASK, guest_ids=list(guest_ids))
        return
    redis.sadd(cache.make_key(PENDING_GUESTS_KEY), *guest_ids)
    if cache.add(PENDING_TASK_FLAG, 1, timeout=int(settings.FRAUD_GUEST_CHECK_DELAY_SECONDS) + 300):
        enqueue(GUEST_TASK, countdown=settings.FRAUD_GUEST_CHECK_DELAY_SECONDS or None)


def _take_pending_guests() -> list[int]:
    """The waiting guests, taken. The flag goes first: guests noted from then on queue a task of their own."""
    redis = _redis()
    if redis is None:
        return []
    cache.delete(PENDING_TASK_FLAG)
    key = cache.make_key(PENDING_GUESTS_KEY)
    pipe = redis.pipeline()
    pipe.smembers(key)
    pipe.delete(key)
    members, _deleted = pipe.execute()
    return sorted(int(member) for member in members)


def check_pending_guests() -> int:
    """The task's work: the per-guest rules over every guest waiting, GUESTS_PER_RUN at a time. Returns the flags
    raised."""
    waiting = _take_pending_guests()
    return sum(
        len(check_guests(guest_ids=waiting[start : start + GUESTS_PER_RUN]))
        for start in range(0, len(waiting), GUESTS_PER_RUN)
    )


@transaction.atomic
def check_guests(
    *, guest_ids: Sequence[int], after_refund: bool = False, now: datetime.datetime | None = None
) -> list[FraudFlag]:
    """The per-guest rules over the guests' checks of the last day (or of the owner's same-amount window, when
    longer): 1-3 of fraud.rules after checks, 4 (their refunds) too `after_refund`. A handful of statements for a
    whole batch of guests."""
    thresholds = fraud_settings()
    if not thresholds.is_enabled or not guest_ids:
        return []
    ids = sorted(set(guest_ids))
    since = (now or timezone.now()) - max(
        MIN_GUEST_LOOKBACK, datetime.timedelta(hours=thresholds.same_amount_window_hours + 1)
    )
    places = restaurant_places()
    checks_of = guests_check_facts(ids, since=since)
    refunds_of = guests_refund_facts(ids, since=since) if after_refund else {}
    rows: list[FraudFlag] = []
    for guest_id in ids:
        checks = checks_of[guest_id]
        rows += _flag_rows(
            FraudRule.VELOCITY,
            rules.too_many_checks(checks, max_per_hour=thresholds.max_checks_per_hour),
            guest_id=guest_id,
        )
        rows += _flag_rows(
            FraudRule.DISTANCE,
            rules.too_far_apart(checks, places=places, max_speed_kmh=thresholds.max_speed_kmh),
            guest_id=guest_id,
        )
        rows += _flag_rows(
            FraudRule.SAME_AMOUNT,
            rules.repeated_amounts(
                checks, repeats=thresholds.same_amount_repeats, window_hours=thresholds.same_amount_window_hours
            ),
            guest_id=guest_id,
        )
        rows += _flag_rows(
            FraudRule.REFUND_AFTER_REDEMPTION,
            rules.refunds_after_redemption(refunds_of.get(guest_id, [])),
            guest_id=guest_id,
        )
    return _record_flags(rows)


@transaction.atomic
def check_staff(*, now: datetime.datetime | None = None) -> list[FraudFlag]:
    """The nightly staff rules (5-6 of fraud.rules: staff members, and POS tills for the share of checks with a
    guest attached) over the owner's windows, up to `now`."""
    thresholds = fraud_settings()
    if not thresholds.is_enabled:
        return []
    now = now or timezone.now()
    week = rules.iso_week(now.date())
    rows: list[FraudFlag] = []
    stats = staff_stats(since=now - datetime.timedelta(days=thresholds.cashier_window_days), until=now)
    for finding in rules.cashier_outliers(
        stats, factor=thresholds.cashier_share_factor, min_checks=thresholds.cashier_min_checks, week=week
    ):
        rows += _flag_rows(FraudRule.CASHIER_SHARE, [finding], staff_id=finding.evidence["staff_id"])
    tills = till_stats(since=now - datetime.timedelta(days=thresholds.cashier_window_days), until=now)
    rows += _flag_rows(
        FraudRule.CASHIER_SHARE,
        rules.till_guest_share_outliers(
            tills, factor=thresholds.cashier_share_factor, min_checks=thresholds.cashier_min_checks, week=week
        ),
    )
    registered = registration_stats(
        since=now - datetime.timedelta(days=thresholds.registration_window_days), until=now - REGISTRATION_GRACE
    )
    for finding in rules.idle_registrations(registered, threshold=thresholds.registrations_without_visit, week=week):
        rows += _flag_rows(FraudRule.REGISTRATIONS_WITHOUT_VISIT, [finding], staff_id=finding.evidence["staff_id"])
    return _record_flags(rows)


# --- the reviewer's actions ---------------------------------------------------------------------------------------


def _reviewed(flag: FraudFlag, *, access: ChainAccess, status: str, note: str) -> None:
    flag.status = status
    flag.reviewed_at = timezone.now()
    flag.reviewed_by = access.user
    flag.review_note = note.strip()[:2000]
    flag.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note"])


def _locked_flag(flag_id: int) -> FraudFlag:
    access_flag(flag_id)  # the same 404 for "missing" as every door
    return FraudFlag.objects.select_for_update(of=("self",)).select_related("guest").get(pk=flag_id)


@transaction.atomic
def dismiss_flag(*, access: ChainAccess, flag_id: int, note: str = "") -> FraudFlag:
    access.require(Permission.REVIEW_FRAUD)
    flag = _locked_flag(flag_id)
    before = flag.status
    _reviewed(flag, access=access, status=FlagStatus.DISMISSED, note=note)
    record_audit(
        action="fraud.flag_dismissed",
        actor=access.user,
        target=flag,
        changes={"status": [before, flag.status]},
        reason=flag.review_note,
        restaurant_id=flag.restaurant_id,
    )
    return flag


def _flag_guest(flag: FraudFlag) -> Guest:
    if flag.guest is None:
        raise FlagHasNoGuest(flag_id=flag.pk)
    return flag.guest


@transaction.atomic
def freeze_flag_guest(*, access: ChainAccess, flag_id: int, note: str = "") -> FraudFlag:
    """Freeze the flagged guest's points (spending refused everywhere until unfrozen) and mark the flag acted on."""
    access.require(Permission.REVIEW_FRAUD)
    flag = _locked_flag(flag_id)
    guest = _flag_guest(flag)
    reason = note.strip() or _("Fraud flag #%(id)d") % {"id": flag.pk}
    set_points_frozen(guest=guest, frozen=True, actor=access.user, reason=reason)
    before = flag.status
    _reviewed(flag, access=access, status=FlagStatus.ACTIONED, note=note)
    record_audit(
        action="fraud.guest_frozen",
        actor=access.user,
        target=flag,
        changes={"status": [before, flag.status]},
        data={"guest_id": guest.pk},
        reason=reason,
        restaurant_id=flag.restaurant_id,
    )
    return flag


@transaction.atomic
def unfreeze_flag_guest(*, access: ChainAccess, flag_id: int, note: str = "") -> FraudFlag:
    """Lift the freeze of the flagged guest's points (the flag keeps its review)."""
    access.require(Permission.REVIEW_FRAUD)
    flag = _locked_flag(flag_id)
    guest = _flag_guest(flag)
    reason = note.strip() or _("Fraud flag #%(id)d") % {"id": flag.pk}
    set_points_frozen(guest=guest, frozen=False, actor=access.user, reason=reason)
    record_audit(
        action="fraud.guest_unfrozen",
        actor=access.user,
        target=flag,
        data={"guest_id": guest.pk},
        reason=reason,
        restaurant_id=flag.restaurant_id,
    )
    return flag


@transaction.atomic
def reverse_flag_entries(*, access: ChainAccess, flag_id: int, entry_ids: Sequence[int], note: str = "") -> list[int]:
    """Reverse the chosen ledger entries the flag names, through loyalty's reversal (each audited there too);
    entries already reversed are left as they are. Returns the reversal entries' ids."""
    access.require(Permission.REVIEW_FRAUD)
    access.require(Permission.REVERSE_OPERATION)
    flag = _locked_flag(flag_id)
    if not entry_ids:
        raise ValidationFailed(fields={"entry_ids": [str(_("Choose at least one operation."))]})
    named = {entry.pk: entry for entry in flag_entries(flag)}
    if any(entry_id not in named for entry_id in entry_ids):
        raise EntryNotInFlag(flag_id=flag.pk)
    done = reversed_entry_ids(list(entry_ids))
    reason = note.strip() or _("Fraud flag #%(id)d") % {"id": flag.pk}
    reversals = [
        reverse_entry(
            entry=named[entry_id],
            actor=access.user,
            idempotency_key=f"fraud:{flag.pk}:{entry_id}",
            reason=reason,
        ).pk
        for entry_id in sorted(set(entry_ids))
        if entry_id not in done
    ]
    before = flag.status
    _reviewed(flag, access=access, status=FlagStatus.ACTIONED, note=note)
    record_audit(
        action="fraud.entries_reversed",
        actor=access.user,
        target=flag,
        changes={"status": [before, flag.status]},
        data={"entry_ids": sorted(set(entry_ids)), "reversal_ids": reversals},
        reason=reason,
        restaurant_id=flag.restaurant_id,
    )
    return reversals


@transaction.atomic
def update_fraud_settings(*, access: ChainAccess, **values: Any) -> FraudSettings:
    """The owner's thresholds (owners and admins: Permission.REVIEW_FRAUD), audited old → new."""
    access.require(Permission.REVIEW_FRAUD)
    row, _created = FraudSettings.objects.select_for_update().get_or_create(pk=1)
    before = {field: getattr(row, field) for field in SETTINGS_FIELDS}
    for field, value in values.items():
        if field in SETTINGS_FIELDS:
            setattr(row, field, value)
    row.full_clean()
    row.save()
    changes = changes_between(before, {field: getattr(row, field) for field in SETTINGS_FIELDS})
    if changes:
        record_audit(action="fraud.settings_changed", actor=access.user, target=row, changes=changes)
    return row


# --- alerts -------------------------------------------------------------------------------------------------------


def _alert_recipients(chain: Chain) -> list[int]:
    """The staff who review fraud (Permission.REVIEW_FRAUD: owners and admins), active in the chain."""
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.REVIEW_FRAUD in permissions]
    return list(
        Membership.objects.filter(chain_id=chain.pk, role__in=roles, is_active=True).values_list("user_id", flat=True)
    )


def send_flag_alerts(*, flag_ids: Sequence[int]) -> int:
    """Alert the reviewers about new flags, once each (messaging.staff_alerts): in Telegram those who linked it, by
    email the rest, or, when the owner named an alert address, that address instead of the unlinked reviewers'.
    Returns the flags announced."""
    with transaction.atomic():
        flags = list(
            FraudFlag.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("guest", "staff", "restaurant")
            .filter(pk__in=flag_ids, alerted_at__isnull=True)
            .order_by("id")
        )
        if not flags:
            return 0
        chain = current_chain()
        thresholds = fraud_settings()
        with translation.override(chain.default_language or settings.LANGUAGE_CODE):
            subject = _("%(chain)s: %(count)d new fraud flag(s)") % {"chain": chain.name, "count": len(flags)}
            base_url = chain.base_url
            lines = [
                f"#{flag.pk} {FraudRule(flag.rule).label}: "
                f"{flag.guest or flag.staff or '-'} — {base_url}/fraud/{flag.pk}/"
                for flag in flags
            ]
            body = "\n".join([_("New flags wait for review:"), "", *lines])
        deliver_staff_alert(
            user_ids=_alert_recipients(chain),
            subject=subject,
            body=body,
            extra_emails=[thresholds.alert_email] if thresholds.alert_email else [],
            email_unlinked=not thresholds.alert_email,
        )
        FraudFlag.objects.filter(pk__in=[flag.pk for flag in flags]).update(alerted_at=timezone.now())
    return len(flags)
