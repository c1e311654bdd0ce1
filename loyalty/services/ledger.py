"""Points in and out of a guest's account: accrue, redeem, adjust, reverse.

Every function here runs in one transaction, locks the guest's PointsAccount row first (so changes of one guest
queue up and the balance can never go below zero), and is idempotent by key: a second call with the same
idempotency key returns the first entry (marked `is_replay`) and changes nothing. The key's uniqueness is enforced
by the database too, so two identical concurrent calls write one entry.

Points are kept as FIFO lots: every positive entry carries `remaining_points`; a deduction takes from the lots
that expire first (then the oldest), and expiry removes what is left of a lot when its time comes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from accounts.actors import Actor
from audit.services import record_audit
from guests.models import Guest, GuestStatus
from loyalty import rules
from loyalty.errors import (
    AlreadyReversed,
    GuestNotActive,
    IdempotencyKeyReused,
    InsufficientPoints,
    NotReversible,
    PointsFrozen,
    RedemptionLimitExceeded,
)
from loyalty.events import points_changed, points_granted
from loyalty.grants import require_grant_right
from loyalty.models import EARNING_KINDS, EntryKind, LedgerEntry, LedgerKey, PointsAccount
from loyalty.rights import require_redeem_right, require_reversal_right
from loyalty.selectors import ProgramContext, local_midnight, program_context, reversal_of
from maxloyalty.db.fast_instances import fast_load, new_instance
from maxloyalty.db.set_based_writes import insert_default_rows, insert_rows, update_rows
from maxloyalty.errors import ValidationFailed
from maxloyalty.events import emit_after_commit

if TYPE_CHECKING:
    from accounts.models import User
    from restaurants.models import Restaurant

P = ParamSpec("P")
R = TypeVar("R")

KEY_CONSTRAINTS = ("loyalty_ledgerkey_idempotency_key_unique", "loyalty_appliedcheck_idempotency_key_unique")
MAX_KEY_LENGTH = 200
DELAYED_KINDS = frozenset({EntryKind.ACCRUAL, EntryKind.PROMO_BONUS})  # earned on a check: may be refunded


def retry_on_key_race(func: Callable[P, R]) -> Callable[P, R]:
    """Two calls with one key for *different* guests don't share a lock; the unique index stops the second.

    Its transaction (or savepoint) is rolled back; running it again finds the first call's entry and answers as
    a replay would (or IdempotencyKeyReused). Same-guest races never get here: the account lock serialises them.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IntegrityError as error:
            if not any(name in str(error) for name in KEY_CONSTRAINTS):
                raise
            return func(*args, **kwargs)

    return wrapper


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(fields={"idempotency_key": [str(_("1 to 200 characters."))]})
    return key


def check_points(points: object, *, allow_negative: bool = False) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or points == 0 or (points < 0 and not allow_negative):
        message = _("A non-zero whole number.") if allow_negative else _("A whole number above zero.")
        raise ValidationFailed(fields={"points": [str(message)]})
    return points


# The three statements every points operation runs (lock the account, look for an earlier entry under the key,
# write the account back) are raw SQL on their indexes: the ORM's compiler cost more than the statements
# (bench/loyalty_core.py). Table and column names are constants; values are parameters.
_LOCK_ACCOUNTS_SQL = (
    f"SELECT * FROM {PointsAccount._meta.db_table} WHERE guest_id = ANY(%s::bigint[]) "  # noqa: S608
    "ORDER BY guest_id FOR UPDATE"
)
# The ledger is partitioned by month: the key table (unpartitioned) says whether the key was used and, if so, the
# entry's id and time, so the entry is then read from its one partition (replayed_entry). A new key (the usual
# case) costs one lookup on the key table's unique index and no plan over the ledger's partitions.
_KEY_SQL = f"SELECT entry_id, created_at FROM {LedgerKey._meta.db_table} WHERE idempotency_key = %s"  # noqa: S608


def locked_account(guest_id: int) -> PointsAccount:
    """The guest's account, locked until the transaction ends (created on first use)."""
    return locked_accounts([guest_id])[guest_id]


def locked_accounts(guest_ids: Iterable[int]) -> dict[int, PointsAccount]:
    """The accounts of many guests by guest id, locked in ascending guest id (the order every batch takes them,
    so two batches with guests in common queue up instead of deadlocking); created on first use. One statement
    when every guest has an account, two when some have none yet (three if another transaction created one of
    those meanwhile)."""
    ids = sorted(set(guest_ids))
    accounts = {
        account.guest_id: account for account in fast_load(PointsAccount.objects.raw(_LOCK_ACCOUNTS_SQL, [ids]))
    }
    missing = [guest_id for guest_id in ids if guest_id not in accounts]
    if missing:
        # The new rows are this transaction's until it ends: no other one can lock them meanwhile.
        accounts.update({account.guest_id: account for account in insert_default_rows(PointsAccount, "guest", missing)})
        taken = [guest_id for guest_id in missing if guest_id not in accounts]
        if taken:  # created by another transaction since the first look
            accounts.update(
                {
                    account.guest_id: account
                    for account in fast_load(PointsAccount.objects.raw(_LOCK_ACCOUNTS_SQL, [taken]))
                }
            )
    return accounts


def replayed_entry(
    key: str, *, guest_id: int, kind: str, points: int | None = None, reverses_id: int | None = None
) -> LedgerEntry | None:
    """The entry written earlier under this key, or None. A key reused for another operation is refused."""
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL, [key])
        claimed = cursor.fetchone()
    if claimed is None:
        return None
    entry_id, month_moment = claimed  # the entry's id and time: its one partition is read
    entry = LedgerEntry.objects.select_related("actor").filter(pk=entry_id, created_at=month_moment).first()
    if entry is None:
        return None
    if (
        entry.guest_id != guest_id
        or entry.kind != kind
        or (points is not None and entry.points != points)
        or (reverses_id is not None and entry.reverses_id != reverses_id)
    ):
        raise IdempotencyKeyReused(idempotency_key=key)
    entry.is_replay = True
    return entry


def require_active(guest: Guest) -> None:
    if guest.status in (GuestStatus.BLOCKED, GuestStatus.ERASED, GuestStatus.MERGED):
        raise GuestNotActive(guest_id=guest.pk)


def require_spendable(account: PointsAccount) -> None:
    """The one check of a freeze (a fraud review holds the guest's points), asked by every spending path:
    redeem_points and apply_check when the check spends points (the till, the API, the POS). Earning goes on: a
    frozen guest's purchases still count, and the reviewer decides what to reverse."""
    if account.frozen_at is not None:
        raise PointsFrozen(guest_id=account.guest_id, frozen_at=account.frozen_at.isoformat())


@transaction.atomic
def set_points_frozen(*, guest: Guest, frozen: bool, actor: Actor, reason: str = "") -> PointsAccount:
    """Freeze (or unfreeze) the guest's points: spending refused until unfrozen. Audited; a repeat changes nothing."""
    account = locked_account(guest.pk)
    if (account.frozen_at is not None) == frozen:
        return account
    account.frozen_at = timezone.now() if frozen else None
    save_account(account, "frozen_at")
    record_audit(
        action="points.frozen" if frozen else "points.unfrozen",
        actor=actor,
        target=guest,
        data={"available": account.available, "pending": account.pending},
        reason=reason,
    )
    return account


def expiry_for(available_at: datetime.datetime, context: ProgramContext) -> datetime.datetime | None:
    """Points spendable on day D last through day D + expiry_days (chain time) and are gone at the next midnight."""
    days = context.program.expiry_days
    if not days:
        return None
    last_day = available_at.astimezone(context.zone).date() + datetime.timedelta(days=days)
    return local_midnight(last_day + datetime.timedelta(days=1), context)


def lot_entry(
    guest_id: int,
    *,
    kind: str,
    points: int,
    key: str,
    context: ProgramContext,
    restaurant: Restaurant | None = None,
    actor: User | None = None,
    reason: str = "",
    receipt_id: int | None = None,
    reverses: LedgerEntry | None = None,
    delay_hours: int = 0,
    now: datetime.datetime | None = None,
) -> LedgerEntry:
    """A positive entry (a FIFO lot) of the guest, pending for `delay_hours`, not saved yet; the account is the
    caller's to move (new_lot does; the check writers set it from the check's plan)."""
    now = now or timezone.now()
    available_at = now + datetime.timedelta(hours=delay_hours)
    return new_instance(
        LedgerEntry,
        {
            "restaurant": restaurant,
            "actor": actor if actor is not None and actor.is_authenticated else None,
            "reverses": reverses,
        },
        kind=kind,
        points=points,
        guest_id=guest_id,
        reason=reason,
        receipt_id=receipt_id,
        created_at=now,
        available_at=available_at,
        is_pending=delay_hours > 0,
        remaining_points=points,
        expires_at=expiry_for(available_at, context),
        idempotency_key=key,
    )


def new_lot(account: PointsAccount, **lot: Any) -> LedgerEntry:
    """lot_entry of the account's guest, not saved yet; the account's figures move at once (the caller saves
    both: add_lot saves the entry)."""
    entry = lot_entry(account.guest_id, **lot)
    if entry.is_pending:
        account.pending += entry.points
    else:
        account.available += entry.points
    return entry


def add_lot(account: PointsAccount, **lot: Any) -> LedgerEntry:
    """new_lot, saved; the caller saves the account."""
    entry = new_lot(account, **lot)
    entry.save(force_insert=True)
    return entry


def take_from_lots(guest_id: int, points: int, *, first: LedgerEntry | None = None) -> int:
    """Use up `points` from the guest's spendable lots, soonest expiry first (then the oldest); `first` before all.

    Returns what was taken (less than asked only when the lots hold less). The caller holds the account lock.
    """
    if points <= 0:
        return 0
    lots = list(
        LedgerEntry.objects.filter(guest_id=guest_id, remaining_points__gt=0, is_pending=False)
        .order_by(F("expires_at").asc(nulls_last=True), "available_at", "id")
        .only("id", "created_at", "remaining_points")
    )
    if first is not None:
        lots.sort(key=lambda lot: lot.pk != first.pk)
    left, changed = points, []
    for lot in lots:
        if left == 0:
            break
        used = min(lot.remaining_points, left)
        lot.remaining_points -= used
        left -= used
        changed.append(lot)
    if len(changed) == 1:  # with its month: one partition's key is read (maxloyalty.db.partitions)
        LedgerEntry.objects.filter(pk=changed[0].pk, created_at=changed[0].created_at).update(
            remaining_points=changed[0].remaining_points
        )
    elif changed:
        LedgerEntry.objects.bulk_update(changed, ["remaining_points"])
    return points - left


def add_deduction(
    account: PointsAccount,
    *,
    kind: str,
    points: int,
    key: str,
    restaurant: Restaurant | None = None,
    actor: User | None = None,
    reason: str = "",
    receipt_id: int | None = None,
    now: datetime.datetime | None = None,
) -> LedgerEntry:
    """A negative entry taking `points` (<= available) from the lots; the caller saves the account."""
    take_from_lots(account.guest_id, points)
    account.available -= points
    now = now or timezone.now()
    return LedgerEntry.objects.create(
        kind=kind,
        points=-points,
        guest_id=account.guest_id,
        restaurant=restaurant,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        receipt_id=receipt_id,
        created_at=now,
        available_at=now,
        idempotency_key=key,
    )


def save_account(account: PointsAccount, *extra_fields: str) -> None:
    """Write the (locked) account's figures back: one UPDATE, no model signals (nobody listens to accounts)."""
    account.updated_at = timezone.now()
    update_rows(PointsAccount, [account], ["available", "pending", "updated_at", *extra_fields])


@retry_on_key_race
@transaction.atomic
def accrue_points(
    *,
    guest: Guest,
    points: int,
    kind: str,
    idempotency_key: str,
    restaurant: Restaurant | None = None,
    actor: User | None = None,
    reason: str = "",
    receipt_id: int | None = None,
) -> LedgerEntry:
    """Add points of an earning kind (accrual, welcome, birthday, referral, promo bonus). With an actor it is a
    manual grant, held to the role's limit (loyalty.grants); without one, the program's own grant. Accruals and
    promo bonuses wait for the program's activation delay (pending), bonuses are spendable at once."""
    check_points(points)
    check_key(idempotency_key)
    if kind not in EARNING_KINDS:
        raise ValidationFailed(fields={"kind": [str(_("Not a kind of earning."))]})
    return _add_earning(
        guest=guest,
        points=points,
        kind=kind,
        idempotency_key=idempotency_key,
        restaurant=restaurant,
        actor=actor,
        reason=reason,
        receipt_id=receipt_id,
        is_manual=True,
    )


@retry_on_key_race
@transaction.atomic
def grant_program_bonus(
    *,
    guest: Guest,
    points: int,
    kind: str,
    idempotency_key: str,
    reason: str,
    triggered_by: User | None = None,
    restaurant: Restaurant | None = None,
    receipt_id: int | None = None,
) -> LedgerEntry:
    """A bonus the program's own rule computed (welcome on registration, birthday, referral on a first purchase):
    no role rule applies (loyalty.grants, rule 1). `triggered_by` is the staff member whose action set the rule off
    (who registered the guest), kept as the entry's actor and in the audit log; the points are the program's."""
    check_points(points)
    check_key(idempotency_key)
    if kind not in EARNING_KINDS:
        raise ValidationFailed(fields={"kind": [str(_("Not a kind of earning."))]})
    return _add_earning(
        guest=guest,
        points=points,
        kind=kind,
        idempotency_key=idempotency_key,
        restaurant=restaurant,
        actor=triggered_by,
        reason=reason,
        receipt_id=receipt_id,
    )


@dataclass(frozen=True)
class BonusGrant:
    """One guest's bonus in a batch of the program's grants (grant_program_bonuses)."""

    guest_id: int
    points: int
    idempotency_key: str


def _replayed_entries(grants: Sequence[BonusGrant], kind: str) -> dict[str, LedgerEntry]:
    """The entries written earlier under the grants' keys (two queries for the batch: the key table, then the
    entries), marked `is_replay`; a key used before for another guest, kind or number of points is refused."""
    claimed = LedgerKey.objects.filter(idempotency_key__in=[grant.idempotency_key for grant in grants]).values_list(
        "entry_id", "created_at"
    )
    ids, moments = set(), set()
    for entry_id, created_at in claimed:
        ids.add(entry_id)
        moments.add(created_at)
    if not ids:
        return {}
    found = {
        entry.idempotency_key: entry
        for entry in LedgerEntry.objects.filter(pk__in=ids, created_at__in=moments)  # their partitions only
    }
    for grant in grants:
        entry = found.get(grant.idempotency_key)
        if entry is None:
            continue
        if entry.guest_id != grant.guest_id or entry.kind != kind or entry.points != grant.points:
            raise IdempotencyKeyReused(idempotency_key=grant.idempotency_key)
        entry.is_replay = True
    return found


@retry_on_key_race
@transaction.atomic
def grant_program_bonuses(*, grants: Sequence[BonusGrant], kind: str, reason: str) -> dict[str, LedgerEntry]:
    """grant_program_bonus for a batch of guests (an automation's, a campaign's) in a number of statements that does
    not grow with the batch: the accounts locked together (ascending guest id, like every batch writer), the keys
    used before found together and answered as replays, the new lots inserted in one COPY and the accounts written
    in one UPDATE; `points_granted` announced once after commit. A guest no longer active (blocked, erased, merged)
    is skipped (grant_program_bonus would refuse them). The entries by idempotency key, replays included."""
    if kind not in EARNING_KINDS:
        raise ValidationFailed(fields={"kind": [str(_("Not a kind of earning."))]})
    for grant in grants:
        check_points(grant.points)
        check_key(grant.idempotency_key)
    if not grants:
        return {}
    accounts = locked_accounts(grant.guest_id for grant in grants)
    entries = _replayed_entries(grants, kind)
    active = set(Guest.objects.filter(pk__in=list(accounts), status=GuestStatus.ACTIVE).values_list("pk", flat=True))
    context = program_context()
    delay_hours = context.program.activation_delay_hours if kind in DELAYED_KINDS else 0
    now = timezone.now()
    new: list[LedgerEntry] = []
    for grant in grants:
        earlier = entries.get(grant.idempotency_key)
        if earlier is not None:
            if earlier.guest_id != grant.guest_id or earlier.points != grant.points:
                raise IdempotencyKeyReused(idempotency_key=grant.idempotency_key)  # twice in the batch, differently
            continue
        if grant.guest_id not in active:
            continue
        entry = new_lot(
            accounts[grant.guest_id],
            kind=kind,
            points=grant.points,
            key=grant.idempotency_key,
            context=context,
            reason=reason,
            delay_hours=delay_hours,
            now=now,
        )
        entries[grant.idempotency_key] = entry
        new.append(entry)
    if new:
        insert_rows(LedgerEntry, new)
        touched = [accounts[guest_id] for guest_id in sorted({entry.guest_id for entry in new})]
        for account in touched:
            account.updated_at = now
        update_rows(PointsAccount, touched, ["available", "pending", "updated_at"])
        emit_after_commit(points_granted, sender=LedgerEntry, entries=new)
    return entries


def _add_earning(
    *,
    guest: Guest,
    points: int,
    kind: str,
    idempotency_key: str,
    restaurant: Restaurant | None,
    actor: User | None,
    reason: str,
    receipt_id: int | None,
    is_manual: bool = False,
) -> LedgerEntry:
    account = locked_account(guest.pk)
    if (replay := replayed_entry(idempotency_key, guest_id=guest.pk, kind=kind, points=points)) is not None:
        return replay
    if is_manual:
        require_grant_right(actor=actor, guest_id=guest.pk, kind=kind, points=points)
    require_active(guest)
    context = program_context()
    entry = add_lot(
        account,
        kind=kind,
        points=points,
        key=idempotency_key,
        context=context,
        restaurant=restaurant,
        actor=actor,
        reason=reason,
        receipt_id=receipt_id,
        delay_hours=context.program.activation_delay_hours if kind in DELAYED_KINDS else 0,
    )
    save_account(account)
    action = "points.accrued" if is_manual else "points.bonus_granted"  # the program's bonus, set off by actor
    _audit_entry(action, actor=actor, guest=guest, entry=entry, account=account, reason=reason)
    emit_after_commit(points_granted, sender=LedgerEntry, entries=[entry])
    return entry


@retry_on_key_race
@transaction.atomic
def redeem_points(
    *,
    guest: Guest,
    points: int,
    idempotency_key: str,
    restaurant: Restaurant | None = None,
    actor: Actor = None,
    reason: str = "",
    receipt_id: int | None = None,
    check_amount: Decimal | None = None,
) -> LedgerEntry:
    """Spend points. Refused with RedeemNotAllowed (403: the actor may not spend points here, loyalty.rights),
    RedemptionLimitExceeded (422: min_points, or max_share of `check_amount`) or InsufficientPoints (409, with the
    available figure)."""
    check_points(points)
    check_key(idempotency_key)
    require_redeem_right(actor=actor, restaurant_id=restaurant.pk if restaurant is not None else None)
    account = locked_account(guest.pk)
    if (
        replay := replayed_entry(idempotency_key, guest_id=guest.pk, kind=EntryKind.REDEMPTION, points=-points)
    ) is not None:
        return replay
    require_active(guest)
    require_spendable(account)
    context = program_context()
    minimum = context.program.min_redeem_points
    if points < minimum:
        raise RedemptionLimitExceeded(
            rules.min_points_text(minimum),
            limit="min_points",
            min_points=minimum,
            requested=points,
        )
    if check_amount is not None:
        max_points, percent = rules.redemption_share_limit(
            context.program, context.level(account.level_id), check_amount
        )
        if points > max_points:
            raise RedemptionLimitExceeded(
                rules.max_share_text(percent, max_points),
                limit="max_share",
                max_points=max_points,
                max_share_percent=str(percent),
                requested=points,
            )
    if account.available < points:
        raise InsufficientPoints(
            _("Not enough points: %(available)d available.") % {"available": account.available},
            available=account.available,
            requested=points,
        )
    entry = add_deduction(
        account,
        kind=EntryKind.REDEMPTION,
        points=points,
        key=idempotency_key,
        restaurant=restaurant,
        actor=actor,
        reason=reason,
        receipt_id=receipt_id,
    )
    save_account(account)
    _audit_entry("points.redeemed", actor=actor, guest=guest, entry=entry, account=account, reason=reason)
    emit_after_commit(points_changed, sender=LedgerEntry, entries=[entry])
    return entry


@retry_on_key_race
@transaction.atomic
def adjust_points(
    *,
    guest: Guest,
    points: int,
    reason: str,
    actor: User | None,
    idempotency_key: str,
    restaurant: Restaurant | None = None,
) -> LedgerEntry:
    """A manual correction (+/-) with a required reason, held to the role's limit either way (loyalty.grants);
    actor None: the platform's own correction (data repair, seeding), not a door staff can reach."""
    check_points(points, allow_negative=True)
    check_key(idempotency_key)
    if not reason or not reason.strip():
        raise ValidationFailed(fields={"reason": [str(_("Say why the points are adjusted."))]})
    account = locked_account(guest.pk)
    if (
        replay := replayed_entry(idempotency_key, guest_id=guest.pk, kind=EntryKind.ADJUSTMENT, points=points)
    ) is not None:
        return replay
    require_grant_right(actor=actor, guest_id=guest.pk, kind=EntryKind.ADJUSTMENT, points=points)
    if points > 0:
        entry = add_lot(
            account,
            kind=EntryKind.ADJUSTMENT,
            points=points,
            key=idempotency_key,
            context=program_context(),
            restaurant=restaurant,
            actor=actor,
            reason=reason.strip(),
        )
    else:
        if account.available < -points:
            raise InsufficientPoints(
                _("Not enough points: %(available)d available.") % {"available": account.available},
                available=account.available,
                requested=-points,
            )
        entry = add_deduction(
            account,
            kind=EntryKind.ADJUSTMENT,
            points=-points,
            key=idempotency_key,
            restaurant=restaurant,
            actor=actor,
            reason=reason.strip(),
        )
    save_account(account)
    _audit_entry("points.adjusted", actor=actor, guest=guest, entry=entry, account=account, reason=entry.reason)
    emit_after_commit(points_changed, sender=LedgerEntry, entries=[entry])
    return entry


@retry_on_key_race
@transaction.atomic
def reverse_entry(
    *,
    entry: LedgerEntry,
    actor: Actor,
    idempotency_key: str,
    reason: str = "",
    access: ChainAccess | None = None,
) -> LedgerEntry:
    """Undo one entry with a new, opposite entry (a refund or a cashier's undo).

    Earned points already spent cannot be taken back in full: the reversal takes what is available and records
    the rest as `shortfall_points` (never silently dropped). Points spent come back as a new lot. A pending
    accrual is cancelled before it ever becomes spendable.

    With `access` (a staff member asking for this one reversal, as the API does), the undo rule holds
    (loyalty.rights.require_reversal_right), except for a retry of a reversal this key already made. Without it
    the caller has decided (a refund from the POS, a till undo checked by pos.till, a referral taken back with
    its check).
    """
    check_key(idempotency_key)
    if (
        access is not None
        and not LedgerKey.objects.filter(idempotency_key=idempotency_key, reverses_id=entry.pk).exists()
    ):
        require_reversal_right(access=access, entry=entry)
    account = locked_account(entry.guest_id)
    if (
        replay := replayed_entry(
            idempotency_key, guest_id=entry.guest_id, kind=EntryKind.REVERSAL, reverses_id=entry.pk
        )
    ) is not None:
        return replay
    original = LedgerEntry.objects.select_related("restaurant", "guest").get(pk=entry.pk)
    if original.kind in (EntryKind.REVERSAL, EntryKind.EXPIRY):
        raise NotReversible(entry_id=original.pk, kind=original.kind)
    if (existing := reversal_of(original.pk)) is not None:
        raise AlreadyReversed(entry_id=original.pk, reversal_id=existing.pk)
    reason = reason.strip() or str(_("Reversal of entry #%(id)d") % {"id": original.pk})
    now = timezone.now()
    common: dict[str, Any] = {
        "kind": EntryKind.REVERSAL,
        "guest_id": original.guest_id,
        "restaurant": original.restaurant,
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "reason": reason,
        "receipt_id": original.receipt_id,
        "created_at": now,
        "available_at": now,
        "idempotency_key": idempotency_key,
        "reverses": original,
    }
    if original.points < 0:
        reversal = add_lot(
            account,
            kind=EntryKind.REVERSAL,
            points=-original.points,
            key=idempotency_key,
            context=program_context(),
            restaurant=original.restaurant,
            actor=actor,
            reason=reason,
            receipt_id=original.receipt_id,
            reverses=original,
            now=now,
        )
    elif original.is_pending:
        LedgerEntry.objects.filter(pk=original.pk, created_at=original.created_at).update(
            is_pending=False, remaining_points=0
        )
        account.pending -= original.points  # it never reached `available`: the pair nets to zero there
        reversal = LedgerEntry.objects.create(points=-original.points, **common)
    else:
        taken = take_from_lots(original.guest_id, min(original.points, account.available), first=original)
        account.available -= taken
        reversal = LedgerEntry.objects.create(points=-taken, shortfall_points=original.points - taken, **common)
    save_account(account)
    _audit_entry(
        "points.reversed",
        actor=actor,
        guest=original.guest,
        entry=reversal,
        account=account,
        reason=reason,
        extra={"reverses": original.pk, "shortfall": reversal.shortfall_points},
    )
    emit_after_commit(points_changed, sender=LedgerEntry, entries=[reversal])
    return reversal


def _audit_entry(
    action: str,
    *,
    actor: User | None,
    guest: Guest,
    entry: LedgerEntry,
    account: PointsAccount,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """A staff member's ledger operation in the audit log (system operations are in the ledger itself)."""
    if actor is None:
        return
    record_audit(
        action=action,
        actor=actor,
        target=guest,
        data={**_entry_data(entry, account), **(extra or {})},
        reason=reason,
        restaurant_id=entry.restaurant_id,
    )


def _entry_data(entry: LedgerEntry, account: PointsAccount) -> dict[str, Any]:
    return {
        "entry_id": entry.pk,
        "kind": entry.kind,
        "points": entry.points,
        "receipt_id": entry.receipt_id,
        "available": account.available,
        "pending": account.pending,
    }
