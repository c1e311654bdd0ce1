"""Referrals: a guest invited by another is recorded at sign-up; the program pays the referral bonuses on the
invited guest's first qualifying purchase, never at sign-up.

- record_referral (at sign-up, the bot's referral link): one referrer per invited guest, never themselves.
- The first qualifying purchase (loyalty.rules.qualifies_for_referral: above zero and at least the program's
  `referral_min_check_amount`) pays the referrer's `referral_bonus_points` and the invited guest's
  `referred_bonus_points`, both as the program's own grants (kind referral, no actor). apply_check does it for
  the single check and for the batch (apply_checks sends such a check through apply_check), in the check's
  transaction, with both accounts locked in ascending guest id like every other writer.
- A referrer is paid for at most `referral_max_per_guest` invited guests (counted under the referrer's account
  lock, so two invited guests buying at once cannot both pass a last place); a referral beyond the cap is closed
  unpaid, for both sides (otherwise invented guests would still farm the invited guest's bonus).
- Once: a retried check is a replay (nothing runs again) and the payment's idempotency keys name the referral
  and the payment's number.
- A refund of the qualifying purchase (reverse_check) reverses both bonuses (what was already spent is recorded
  as a shortfall) and opens the referral again: the next qualifying purchase pays, under new keys.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guests.models import Guest, GuestStatus
from loyalty import rules
from loyalty.events import points_granted
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, PointsAccount, Referral
from loyalty.selectors import ProgramContext, reversal_of
from loyalty.services.ledger import add_lot, reverse_entry, save_account
from maxloyalty.errors import ValidationFailed
from maxloyalty.events import emit_after_commit

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def record_referral(*, guest: Guest, referrer: Guest) -> Referral | None:
    """Remember who invited a newly registered guest (the bonuses wait for their first purchase). A guest keeps
    their first referrer; None when nothing was recorded (the referrer is not active, or already had one)."""
    if guest.pk == referrer.pk:
        raise ValidationFailed(fields={"referrer": [_("A guest cannot refer themselves.")]})
    if referrer.status != GuestStatus.ACTIVE:
        return None
    referral, created = Referral.objects.get_or_create(guest=guest, defaults={"referrer": referrer})
    return referral if created else None


def open_referrer_id(*, guest_id: int, context: ProgramContext, total_amount: Decimal) -> int | None:
    """The referrer to pay if a check of this amount would be the guest's first qualifying purchase (no query
    when the program pays no referral bonus or the amount does not qualify)."""
    if not context.program.pays_referrals or not rules.qualifies_for_referral(context.program, total_amount):
        return None
    referrer_id: int | None = (
        Referral.objects.filter(guest_id=guest_id, paid_at__isnull=True, is_over_cap=False)
        .values_list("referrer_id", flat=True)
        .first()
    )
    return referrer_id


def open_referrer_ids(*, guest_ids: set[int], context: ProgramContext) -> dict[int, int]:
    """{invited guest id: referrer id} of the guests whose referral still waits (one query for a batch; none when
    the program pays no referral bonus)."""
    if not context.program.pays_referrals or not guest_ids:
        return {}
    return dict(
        Referral.objects.filter(guest_id__in=guest_ids, paid_at__isnull=True, is_over_cap=False).values_list(
            "guest_id", "referrer_id"
        )
    )


def pay_referral_on_purchase(
    *,
    guest: Guest,
    applied: AppliedCheck,
    accounts: dict[int, PointsAccount],
    context: ProgramContext,
) -> list[LedgerEntry]:
    """Inside apply_check, with the invited guest's and the referrer's accounts locked (`accounts`, saved by the
    caller): pay the referral if this check is the first qualifying purchase. Returns the entries written."""
    program = context.program
    if not program.pays_referrals or not rules.qualifies_for_referral(program, applied.total_amount):
        return []
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer")
        .filter(guest_id=guest.pk, paid_at__isnull=True, is_over_cap=False)
        .first()
    )
    if referral is None or referral.referrer_id not in accounts:
        return []
    now = timezone.now()
    paid_before = Referral.objects.filter(referrer_id=referral.referrer_id, paid_at__isnull=False).count()
    if paid_before >= program.referral_max_per_guest or referral.referrer.status != GuestStatus.ACTIVE:
        referral.is_over_cap = True
        referral.save(update_fields=["is_over_cap"])
        return []
    payment = referral.payments + 1
    grants = [
        (referral.referrer_id, program.referral_bonus_points, "referrer", _("Referral bonus for bringing a guest")),
        (guest.pk, program.referred_bonus_points, "new", _("Referral bonus: welcome")),
    ]
    entries = [
        add_lot(
            accounts[guest_id],
            kind=EntryKind.REFERRAL,
            points=points,
            key=f"referral:{referral.pk}:{payment}:{side}",
            context=context,
            restaurant=applied.restaurant,
            reason=str(reason),
            receipt_id=applied.receipt_id,
            delay_hours=program.activation_delay_hours,  # like the purchase's own points: a refund finds them
            now=now,
        )
        for guest_id, points, side, reason in grants
        if points
    ]
    if referral.referrer_id != guest.pk:
        save_account(accounts[referral.referrer_id])
    referral.paid_at, referral.applied_check, referral.payments = now, applied, payment
    referral.entry_ids = [entry.pk for entry in entries]
    referral.save(update_fields=["paid_at", "applied_check", "payments", "entry_ids"])
    if entries:  # not the check's own earning (checks_applied): the program's grant to both guests
        emit_after_commit(points_granted, sender=LedgerEntry, entries=entries)
    return entries


def referrers_paid_for_guests(*, guest_ids: set[int]) -> set[int]:
    """Referrers whose bonus a purchase of one of these guests paid: refunding that purchase writes their account
    too (one query; none without guests)."""
    if not guest_ids:
        return set()
    return set(
        Referral.objects.filter(guest_id__in=guest_ids, paid_at__isnull=False).values_list("referrer_id", flat=True)
    )


def referrer_of_paid_check(applied: AppliedCheck) -> int | None:
    """The referrer paid for this check (its qualifying purchase), if any: reverse_check locks their account too."""
    referrer_id: int | None = (
        Referral.objects.filter(applied_check=applied, paid_at__isnull=False)
        .values_list("referrer_id", flat=True)
        .first()
    )
    return referrer_id


def reverse_referral_of_check(*, applied: AppliedCheck, actor: User | None, reason: str) -> list[LedgerEntry]:
    """Inside reverse_check (both accounts locked): a refund of the qualifying purchase takes both bonuses back
    and opens the referral for the next purchase. Repeating it changes nothing."""
    referral = Referral.objects.select_for_update().filter(applied_check=applied, paid_at__isnull=False).first()
    if referral is None:
        return []
    reversals = []
    for entry in LedgerEntry.objects.filter(pk__in=referral.entry_ids).order_by("pk"):
        done = reversal_of(entry.pk)
        reversals.append(
            done
            if done is not None
            else reverse_entry(
                entry=entry,
                actor=actor,
                idempotency_key=f"refund:{applied.idempotency_key}:{entry.pk}",
                reason=reason or _("Refund of the check"),
            )
        )
    referral.paid_at, referral.applied_check, referral.entry_ids = None, None, []
    referral.save(update_fields=["paid_at", "applied_check", "entry_ids"])
    return reversals
