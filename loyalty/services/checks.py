"""A check at the till or from the POS: quote it, and the one-check writer of a plan (apply_check); refunds.

apply_check quotes the check (quote_for_guest), plans it (loyalty.check_plan.plan_check) and writes the plan row
by row, with what only it does: the points spent (taken from the FIFO lots), the promo code's use, the referral
bonuses of an invited guest's first qualifying purchase, the audit row of a staff member's check. The batch writer
(check_batches.apply_checks) sends such checks here and writes the others' plans together.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_audit
from guests.models import Guest
from guests.services import record_visits_on_guests
from loyalty import rules
from loyalty.check_plan import check_texts, plan_check
from loyalty.errors import CheckNotFound, IdempotencyKeyReused
from loyalty.models import (
    AppliedCheck,
    EntryKind,
    LedgerEntry,
    LevelThresholdMode,
    PointsAccount,
    PromoCode,
    PromoCodeUse,
)
from loyalty.rights import require_redeem_right
from loyalty.selectors import ProgramContext, active_promos, level_spend, program_context, reversal_of
from loyalty.services.check_writing import (
    CheckOutcome,
    account_state,
    announce,
    chain_time,
    check_rows,
    outcome_of,
    record_level_moves,
    require_valid_check,
    settle_account,
)
from loyalty.services.ledger import (
    add_deduction,
    locked_accounts,
    require_active,
    require_spendable,
    retry_on_key_race,
    reverse_entry,
    save_account,
)
from loyalty.services.referrals import (
    open_referrer_id,
    pay_referral_on_purchase,
    referrer_of_paid_check,
    reverse_referral_of_check,
)
from maxloyalty.errors import ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User
    from restaurants.models import Restaurant

__all__ = ["CheckOutcome", "apply_check", "quote_for_guest", "reverse_check"]


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
        dataclasses.replace(check, at=chain_time(check.at, context)),
        available_points or 0,
        guest.tags if guest is not None else (),
    )
    return quote, code_row, code_refusal


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
    """Apply a check to the guest as loyalty.check_plan.plan_check plans it: spend what the rules allow of
    check.points_to_spend (saying why when less), earn base and promo points, record the visit (and widen the
    guest's first/last visit times), add the spend and move the guest up a level at once when a threshold is
    crossed (the crossing check still earns at the old level's rate).

    The check keeps its actor (the signed-in staff member; None for the POS), which the till's shift list and
    undo rule read. A retry with the same key returns the first outcome (is_replay=True) and changes nothing.
    """
    require_valid_check(idempotency_key=idempotency_key, check=check)
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
        return outcome_of(existing, is_replay=True)
    require_active(guest)
    if check.points_to_spend > 0:
        require_spendable(account)
    check = dataclasses.replace(check, at=chain_time(check.at, context))
    quote, code_row, code_refusal = quote_for_guest(
        guest=guest,
        check=check,
        available_points=account.available,
        level_id=account.level_id,
        lock_code=True,
        context=context,
    )
    rolling_spend = None
    if context.levels and context.program.level_threshold_mode == LevelThresholdMode.ROLLING:
        rolling_spend = level_spend(guest_id=guest.pk, account=account, context=context)
    now = timezone.now()
    plan = plan_check(
        state=account_state(account, rolling_spend=rolling_spend),
        quote=quote,
        check=check,
        idempotency_key=idempotency_key,
        program=context.program,
        levels=context.levels,
        texts=check_texts(),
        now=now,
        code_promo_id=code_row.promo_id if code_row is not None else None,
        code_refusal=code_refusal,
    )
    rows = check_rows(
        plan, guest=guest, restaurant=restaurant, receipt_id=receipt_id, actor=actor, context=context, now=now
    )
    entries: list[LedgerEntry] = []
    if plan.deduction is not None:
        entries.append(
            add_deduction(
                account,
                kind=EntryKind.REDEMPTION,
                points=plan.deduction.points,
                key=plan.deduction.key,
                reason=plan.deduction.reason,
                restaurant=restaurant,
                actor=actor,
                receipt_id=receipt_id,
                now=now,
            )
        )
    for lot in rows.lots:
        lot.save(force_insert=True)
    entries.extend(rows.lots)
    rows.visit.save(force_insert=True)
    record_visits_on_guests([rows.visit])
    rows.link(entries)
    rows.applied.save(force_insert=True)
    applied = rows.applied
    if plan.records_code_use and code_row is not None:
        PromoCodeUse.objects.create(code=code_row, guest=guest, applied_check=applied, used_at=now)
    settle_account(account, plan, now=now)  # the plan's figures (add_deduction moved `available` to the same)
    if referrer_id is not None:
        pay_referral_on_purchase(guest=guest, applied=applied, accounts=accounts, context=context)
    level_changes = record_level_moves([(guest.pk, plan)], now=now)
    save_account(account, "lifetime_spend_amount", "level", "level_since")
    if actor is not None:
        record_audit(
            action="points.check_applied",
            actor=actor,
            target=guest,
            data={
                "check_id": applied.pk,
                "total_amount": check.total_amount,
                "earned": plan.earned,
                "spent": plan.spent,
                "requested": check.points_to_spend,
                "receipt_id": receipt_id,
                "available": account.available,
                "pending": account.pending,
            },
            reason=plan.refused_reason,
            restaurant_id=restaurant.pk if restaurant is not None else None,
        )
    outcome = rows.outcome(entries)
    announce([(guest, outcome)], level_changes)
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
        done = reversal_of(entry.pk)
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
