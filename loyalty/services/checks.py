"""A check at the till or from the POS: quote it, spend what may be spent, earn, record the visit; and refunds."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_audit
from guests.models import Guest, Visit
from loyalty import rules
from loyalty.errors import CheckNotFound, IdempotencyKeyReused
from loyalty.events import checks_applied
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, PointsAccount, PromoCode, PromoCodeUse
from loyalty.rights import require_redeem_right
from loyalty.selectors import ProgramContext, active_promos, program_context
from loyalty.services.ledger import (
    add_deduction,
    add_lot,
    check_key,
    locked_accounts,
    require_active,
    retry_on_key_race,
    reverse_entry,
    save_account,
)
from loyalty.services.levels import raise_level_if_reached
from loyalty.services.referrals import (
    open_referrer_id,
    pay_referral_on_purchase,
    referrer_of_paid_check,
    reverse_referral_of_check,
)
from maxloyalty.errors import ValidationFailed
from maxloyalty.events import emit_after_commit

if TYPE_CHECKING:
    from accounts.models import User
    from restaurants.models import Restaurant


@dataclass(frozen=True)
class CheckOutcome:
    earned: int
    spent: int
    refused_reason: str  # why fewer points than requested were spent ("" when all were)
    visit: Visit | None
    entries: tuple[LedgerEntry, ...]
    applied_check: AppliedCheck
    is_replay: bool = False


def _outcome_of(applied: AppliedCheck, *, is_replay: bool) -> CheckOutcome:
    entries = {entry.pk: entry for entry in LedgerEntry.objects.filter(pk__in=applied.entry_ids)}
    return CheckOutcome(
        earned=applied.points_earned,
        spent=applied.points_spent,
        refused_reason=applied.refused_reason,
        visit=applied.visit,
        entries=tuple(entries[pk] for pk in applied.entry_ids if pk in entries),
        applied_check=applied,
        is_replay=is_replay,
    )


def _local_time(at: datetime.datetime | None, context: ProgramContext) -> datetime.datetime:
    """The check's time in the chain's zone (a naive time is read as chain time)."""
    if at is None:
        return timezone.now().astimezone(context.zone)
    if timezone.is_naive(at):
        return at.replace(tzinfo=context.zone)
    return at.astimezone(context.zone)


def _usable_promo_code(code: str, guest: Guest | None, *, lock: bool) -> PromoCode | None:
    """The code's row if this guest may still use it; locked when applying, so two checks cannot both take
    its last use. Without a guest only the total limit is checked."""
    rows = PromoCode.objects.select_related("promo").filter(
        code__iexact=code.strip(), is_active=True, promo__is_active=True
    )
    row = (rows.select_for_update(of=("self",)) if lock else rows).first()
    if row is None:
        return None
    if row.max_uses is not None and row.uses.count() >= row.max_uses:
        return None
    if (
        guest is not None
        and row.max_uses_per_guest is not None
        and row.uses.filter(guest=guest).count() >= row.max_uses_per_guest
    ):
        return None
    return row


def quote_for_guest(
    *,
    guest: Guest | None,
    check: rules.Check,
    available_points: int | None = None,
    level_id: int | None = None,
    lock_code: bool = False,
    context: ProgramContext | None = None,
    promos: tuple[rules.PromoSnapshot, ...] | None = None,
) -> tuple[rules.Quote, PromoCode | None, str]:
    """quote_check with this chain's settings, levels and promos, and the guest's balance, level, tags and usable
    promo code (read from their account unless given).

    Returns (quote, the usable promo code row or None, a refusal text for an unusable code). The API's /quote,
    the cashier page and apply_check all call it (a batch of checks passes the context and promos it read once).
    """
    context = context or program_context()
    promos = active_promos() if promos is None else promos
    code_row, code_refusal = None, ""
    if check.promo_code.strip():
        code_row = _usable_promo_code(check.promo_code, guest, lock=lock_code)
        if code_row is None:
            code_refusal = str(_("The promo code is unknown, inactive or used up."))
        else:
            promos = tuple(
                dataclasses.replace(promo, codes=frozenset({check.promo_code.strip().upper()}))
                if promo.id == code_row.promo_id
                else promo
                for promo in promos
            )
    if guest is not None and available_points is None:
        available_points, level_id = PointsAccount.objects.filter(guest=guest).values_list(
            "available", "level_id"
        ).first() or (0, None)
    quote = rules.quote_check(
        context.program,
        context.level(level_id),
        promos,
        dataclasses.replace(check, at=_local_time(check.at, context)),
        available_points or 0,
        guest.tags if guest is not None else (),
    )
    return quote, code_row, code_refusal


BASE_LOT_REASON = _("Points for the check")


def earned_lots(
    account: PointsAccount,
    *,
    quote: rules.Quote,
    idempotency_key: str,
    context: ProgramContext,
    make: Callable[..., LedgerEntry] = add_lot,
    base_reason: str | None = None,
    **common: Any,
) -> list[LedgerEntry]:
    """The lots a check earns, base points first, then each applied promo's bonus, pending for the program's
    activation delay. `make` is add_lot (saved one by one) or new_lot (a batch saves them together); a batch
    passes the base lot's `base_reason` (BASE_LOT_REASON, translated once for all its checks)."""
    delay = context.program.activation_delay_hours
    lots = []
    if quote.base_points > 0:
        lots.append(
            make(
                account,
                kind=EntryKind.ACCRUAL,
                points=quote.base_points,
                key=f"{idempotency_key}:earn",
                context=context,
                reason=base_reason if base_reason is not None else str(BASE_LOT_REASON),
                delay_hours=delay,
                **common,
            )
        )
    lots.extend(
        make(
            account,
            kind=EntryKind.PROMO_BONUS,
            points=promo.points,
            key=f"{idempotency_key}:promo:{promo.promo_id}",
            context=context,
            reason=promo.name,
            delay_hours=delay,
            **common,
        )
        for promo in quote.applied_promos
    )
    return lots


@retry_on_key_race
@transaction.atomic
def apply_check(
    *,
    guest: Guest,
    check: rules.Check,
    restaurant: Restaurant | None,
    idempotency_key: str,
    actor: User | None = None,
    receipt_id: int | None = None,
) -> CheckOutcome:
    """Apply a check to the guest: spend what the rules allow of check.points_to_spend (saying why when less),
    earn base and promo points, record the visit (first/last visit times), add the spend and move the guest up
    a level at once when a threshold is crossed (the crossing check still earns at the old level's rate).

    The check keeps its actor (the signed-in staff member; None for the POS), which the till's shift list and
    undo rule read. A retry with the same key returns the first outcome (is_replay=True) and changes nothing.
    """
    check_key(idempotency_key)
    if check.total_amount < 0:
        raise ValidationFailed(fields={"total_amount": [str(_("Cannot be negative."))]})
    if check.points_to_spend:
        require_redeem_right(actor=actor, restaurant_id=restaurant.pk if restaurant is not None else None)
    context = program_context()
    # A first qualifying purchase pays the guest's referrer too: both accounts are locked now, in guest id order.
    referrer_id = open_referrer_id(guest_id=guest.pk, context=context, total_amount=check.total_amount)
    accounts = locked_accounts([guest.pk] if referrer_id is None else [guest.pk, referrer_id])
    account = accounts[guest.pk]
    existing = AppliedCheck.objects.select_related("visit").filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.guest_id != guest.pk:
            raise IdempotencyKeyReused(idempotency_key=idempotency_key)
        return _outcome_of(existing, is_replay=True)
    require_active(guest)
    at = _local_time(check.at, context)
    quote, code_row, code_refusal = quote_for_guest(
        guest=guest,
        check=dataclasses.replace(check, at=at),
        available_points=account.available,
        level_id=account.level_id,
        lock_code=True,
    )
    now = timezone.now()
    common = {"restaurant": restaurant, "actor": actor, "receipt_id": receipt_id, "now": now}
    entries: list[LedgerEntry] = []
    if quote.spend_points > 0:
        entries.append(
            add_deduction(
                account,
                kind=EntryKind.REDEMPTION,
                points=quote.spend_points,
                key=f"{idempotency_key}:spend",
                reason=str(_("Paid with points")),
                **common,  # type: ignore[arg-type]
            )
        )
    entries.extend(earned_lots(account, quote=quote, idempotency_key=idempotency_key, context=context, **common))
    visit = Visit.objects.create(
        guest=guest,
        restaurant=restaurant,
        visited_at=at,
        check_amount=check.total_amount,
        currency=check.currency,
        points_earned=quote.earn_points,
        points_spent=quote.spend_points,
        receipt_id=receipt_id,
    )
    Guest.objects.filter(pk=guest.pk).update(
        first_visit_at=Least("first_visit_at", Value(at)), last_visit_at=Greatest("last_visit_at", Value(at))
    )
    refused_reason = "; ".join(part for part in (quote.refused_reason, code_refusal) if part)
    applied = AppliedCheck.objects.create(
        idempotency_key=idempotency_key,
        guest=guest,
        restaurant=restaurant,
        visit=visit,
        actor=actor if actor is not None and actor.is_authenticated else None,
        receipt_id=receipt_id,
        total_amount=check.total_amount,
        currency=check.currency,
        checked_at=at,
        points_earned=quote.earn_points,
        points_spent=quote.spend_points,
        refused_reason=refused_reason,
        entry_ids=[entry.pk for entry in entries],
    )
    if code_row is not None and any(promo.promo_id == code_row.promo_id for promo in quote.applied_promos):
        PromoCodeUse.objects.create(code=code_row, guest=guest, applied_check=applied, used_at=now)
    if referrer_id is not None:
        pay_referral_on_purchase(guest=guest, applied=applied, accounts=accounts, context=context)
    account.lifetime_spend_amount += check.total_amount
    raise_level_if_reached(account=account, context=context)
    save_account(account, "lifetime_spend_amount", "level", "level_since")
    if actor is not None:
        record_audit(
            action="points.check_applied",
            actor=actor,
            target=guest,
            data={
                "check_id": applied.pk,
                "total_amount": check.total_amount,
                "earned": quote.earn_points,
                "spent": quote.spend_points,
                "requested": check.points_to_spend,
                "receipt_id": receipt_id,
                "available": account.available,
                "pending": account.pending,
            },
            reason=refused_reason,
            restaurant_id=restaurant.pk if restaurant is not None else None,
        )
    outcome = CheckOutcome(
        earned=quote.earn_points,
        spent=quote.spend_points,
        refused_reason=refused_reason,
        visit=visit,
        entries=tuple(entries),
        applied_check=applied,
    )
    emit_after_commit(checks_applied, sender=AppliedCheck, applied=[(guest, outcome)])
    return outcome


@transaction.atomic
def reverse_check(
    *,
    receipt_id: int | None = None,
    idempotency_key: str | None = None,
    actor: User | None = None,
    reason: str = "",
) -> list[LedgerEntry]:
    """Refund a whole check found by its receipt id or by the key it was applied with: points spent come back,
    points earned are taken back (a shortfall is recorded when they were already spent), the spend no longer
    counts toward levels, a promo code use is released. Repeating it changes nothing and returns the same
    reversal entries."""
    if idempotency_key:
        found = AppliedCheck.objects.filter(idempotency_key=idempotency_key).first()
    elif receipt_id is not None:
        found = AppliedCheck.objects.filter(receipt_id=receipt_id).order_by("reversed_at", "-id").first()
    else:
        raise ValidationFailed(fields={"receipt_id": [str(_("Give the receipt id or the idempotency key."))]})
    if found is None:
        raise CheckNotFound(receipt_id=receipt_id)
    # The accounts first, as every other writer does (the referrer's too when this check paid a referral).
    referrer_id = referrer_of_paid_check(found)
    account = locked_accounts([found.guest_id] if referrer_id is None else [found.guest_id, referrer_id])[
        found.guest_id
    ]
    applied = AppliedCheck.objects.select_for_update().get(pk=found.pk)
    by_id = {entry.pk: entry for entry in LedgerEntry.objects.filter(pk__in=applied.entry_ids)}
    # Give spent points back before taking earned ones, so the refund leaves as small a shortfall as possible.
    ordered = sorted(by_id.values(), key=lambda entry: (entry.points > 0, entry.pk))
    reversals: list[LedgerEntry] = []
    for entry in ordered:
        done = LedgerEntry.objects.filter(reverses=entry).first()
        if done is not None:
            reversals.append(done)
            continue
        reversals.append(
            reverse_entry(
                entry=entry,
                actor=actor,
                idempotency_key=f"refund:{applied.idempotency_key}:{entry.pk}",
                reason=reason or str(_("Refund of the check")),
            )
        )
    reverse_referral_of_check(applied=applied, actor=actor, reason=reason)
    if applied.reversed_at is None:
        account.refresh_from_db()
        applied.reversed_at = timezone.now()
        applied.save(update_fields=["reversed_at"])
        account.lifetime_spend_amount = max(account.lifetime_spend_amount - applied.total_amount, Decimal(0))
        account.save(update_fields=["lifetime_spend_amount", "updated_at"])
        PromoCodeUse.objects.filter(applied_check=applied).delete()
        if actor is not None:
            record_audit(
                action="points.check_refunded",
                actor=actor,
                target=Guest.objects.get(pk=applied.guest_id),
                data={"check_id": applied.pk, "receipt_id": applied.receipt_id, "total_amount": applied.total_amount},
                reason=reason,
                restaurant_id=applied.restaurant_id,
            )
    return reversals
