"""One guest, one account: merging a duplicate profile into the surviving one, and undoing it within UNDO_DAYS.

The survivor keeps every identifier: its empty fields are filled from the other profile; the identifiers it had its
own of (phone, card, QR) stay on the merged profile, where the till's and the POS's lookups follow them to the
survivor; every field the merge changed is kept on the GuestMerge record.
The other's ledger entries, visits, applied checks, POS receipts, promo code uses and Telegram chat are re-pointed
to the survivor, the balances summed and the level recomputed; consents and blocks merge strictly (a withdrawal
or a block on either side stays). The merged profile is marked MERGED (hidden from lists; its id answers `guest_merged` with
the survivor's id).

Locks (docs/lock-order.md): both points accounts first, in ascending guest id (loyalty's locked_accounts), then both
guest rows in ascending id, then the merge row. A second merge of the same pair waits and then finds one profile
merged (409). An undo puts back exactly what moved; it is refused after UNDO_DAYS, or when the moved points were
spent or expired since (the survivor's ledger could not then be split back without inventing entries).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Permission
from audit.services import record_audit
from guests.duplicates import UNDO_DAYS
from guests.errors import CannotMergeGuest, GuestMergeNotFound, GuestNotFound, MergeUndoRefused
from guests.models import ConsentChannel, Guest, GuestMerge, GuestStatus, Visit
from guests.selectors import access_guest
from guests.services import recount_visited_restaurants
from loyalty import rules
from loyalty.models import AppliedCheck, LedgerEntry, LevelChangeReason, PointsAccount, PromoCodeUse
from loyalty.selectors import level_spend, program_context
from loyalty.services.ledger import locked_accounts, save_account
from loyalty.services.levels import record_level_change
from pos.models import Receipt, ReceiptClaim
from telegram_bot.models import TelegramChat

if TYPE_CHECKING:
    from accounts.access import ChainAccess


# Filled on the survivor from the other profile when the survivor's is empty.
FILLED_FIELDS = (
    "phone",
    "card_number",
    "email",
    "first_name",
    "last_name",
    "birthday",
    "gender",
    "telegram_chat_id",
    "telegram_username",
    "home_restaurant_id",
    "note",
)
# Unique: those the survivor takes leave the merged profile; the others stay there, and the lookups by phone, card
# and QR (guests.selectors) lead from the merged profile to the survivor.
UNIQUE_FIELDS = ("phone", "card_number", "telegram_chat_id")
CONSENT_FIELDS = tuple(
    f"{channel}_consent{suffix}" for channel in ConsentChannel.values for suffix in ("_at", "_withdrawn_at")
)
# Every profile field a merge may change on either side (kept before the change, put back by an undo).
RECORDED_FIELDS = (*FILLED_FIELDS, "tags", *CONSENT_FIELDS, "status", "merged_into_id")
# The models whose rows follow the merged guest to the survivor, by the key of GuestMerge.moved.
MOVED_ROWS: dict[str, Any] = {
    "entries": LedgerEntry,
    "visits": Visit,
    "checks": AppliedCheck,
    "receipts": Receipt,
    "code_uses": PromoCodeUse,
    "receipt_claims": ReceiptClaim,  # claims from receipts' QR: the survivor's daily limit and waiting claims
}


def _is_live(guest: Guest) -> bool:
    return guest.status not in (GuestStatus.ERASED, GuestStatus.MERGED) and not guest.is_test


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def _fields_of(guest: Guest) -> dict[str, Any]:
    return {field: _json(getattr(guest, field)) for field in RECORDED_FIELDS}


def _restore(guest: Guest, before: dict[str, Any]) -> None:
    for field, value in before.items():
        model_field = Guest._meta.get_field(field)  # attnames ("merged_into_id") are found too
        if value is not None and model_field.get_internal_type() == "DateTimeField":
            value = datetime.datetime.fromisoformat(value)
        elif value is not None and model_field.get_internal_type() == "DateField":
            value = datetime.date.fromisoformat(value)
        setattr(guest, field, value)


def _merged_consent(survivor: Guest, other: Guest, channel: str) -> tuple[Any, Any]:
    """(given_at, withdrawn_at) for the survivor: a withdrawal on either side stays withdrawn; a consent given on
    either side (and withdrawn on neither) counts."""
    given = [value for value in (getattr(g, f"{channel}_consent_at") for g in (survivor, other)) if value]
    withdrawn = [value for value in (getattr(g, f"{channel}_consent_withdrawn_at") for g in (survivor, other)) if value]
    withdrawn_on_a_side = any(
        getattr(g, f"{channel}_consent_withdrawn_at") is not None and not g.has_consent(channel)
        for g in (survivor, other)
    )
    given_at = max(given) if given else None
    if withdrawn_on_a_side:
        # Withdrawn no earlier than any consent given: has_consent() is then false.
        return given_at, max([*given, *withdrawn])
    return given_at, max(withdrawn) if withdrawn else None


def _locked_pair(first_id: int, second_id: int) -> dict[int, Guest]:
    """Both accounts (ascending guest id), then both guest rows (ascending id): docs/lock-order.md."""
    locked_accounts([first_id, second_id])
    guests = {
        guest.pk: guest
        for guest in Guest.objects.select_for_update().filter(pk__in=[first_id, second_id]).order_by("pk")
    }
    if len(guests) != 2:
        raise GuestNotFound()
    return guests


def _recompute_level(account: PointsAccount, *, now: datetime.datetime) -> None:
    """The survivor's level for the summed spend (lifetime thresholds never move a guest down, as nightly)."""
    context = program_context()
    if not context.levels:
        return
    current = context.level(account.level_id)
    target = rules.level_for_spend(
        context.levels, level_spend(guest_id=account.guest_id, account=account, context=context)
    )
    rolling = context.program.level_threshold_mode == "rolling"
    if not rolling and current is not None and (target is None or target.threshold_amount < current.threshold_amount):
        return
    if (target.id if target else None) == account.level_id:
        return
    account.level_id = target.id if target else None
    account.level_since = now
    record_level_change(
        guest_id=account.guest_id,
        from_level=current,
        to_level=target,
        spend_amount=level_spend(guest_id=account.guest_id, account=account, context=context),
        reason=LevelChangeReason.MERGE,
        now=now,
    )


def _account_figures(account: PointsAccount) -> dict[str, Any]:
    return {
        "available": account.available,
        "pending": account.pending,
        "lifetime_spend_amount": str(account.lifetime_spend_amount),
        "level_id": account.level_id,
        "level_since": _json(account.level_since),
    }


def _require_merge_right(access: ChainAccess | None, *guest_ids: int) -> None:
    """Staff need MERGE_GUESTS and must reach each guest (404 otherwise: the same for "missing" and "not yours")."""
    if access is None:
        return
    access.require(Permission.MERGE_GUESTS)
    for guest_id in guest_ids:
        access_guest(access=access, guest_id=guest_id, reach="restaurants")


def _actor(access: ChainAccess | None) -> Any:
    return access.user if access is not None else None


@transaction.atomic
def merge_guests(*, access: ChainAccess | None, survivor_id: int, other_id: int) -> GuestMerge:
    """Merge guest `other_id` into guest `survivor_id` (audited on both); the record an undo needs."""
    _require_merge_right(access, survivor_id, other_id)
    if survivor_id == other_id:
        raise CannotMergeGuest(
            _("A guest cannot be merged with itself."), fields={"other_id": [str(_("Choose another guest."))]}
        )
    guests = _locked_pair(survivor_id, other_id)
    survivor, other = guests[survivor_id], guests[other_id]
    if not _is_live(survivor) or not _is_live(other):
        raise CannotMergeGuest(_("One of these guests was already merged or erased."))
    now = timezone.now()
    survivor_before, other_before = _fields_of(survivor), _fields_of(other)

    taken = {
        field: getattr(other, field)
        for field in FILLED_FIELDS
        if getattr(other, field) and not getattr(survivor, field)
    }
    for field in UNIQUE_FIELDS:
        if field in taken:  # released for the survivor; one it cannot take stays and finds the survivor (lookups)
            setattr(other, field, None)
    other.status = GuestStatus.MERGED
    other.merged_into_id = survivor.pk
    other.save()  # its unique identifiers released before the survivor takes them
    for field, value in taken.items():
        setattr(survivor, field, value)
    survivor.tags = sorted({*survivor.tags, *other_before["tags"]})
    if other_before["status"] == GuestStatus.BLOCKED:  # a block, like a withdrawal, is kept: the stricter wins
        survivor.status = GuestStatus.BLOCKED
    other_as_was = Guest(**{field: getattr(other, field) for field in ("id",)})
    _restore(other_as_was, other_before)
    for channel in ConsentChannel.values:
        given_at, withdrawn_at = _merged_consent(survivor, other_as_was, channel)
        setattr(survivor, f"{channel}_consent_at", given_at)
        setattr(survivor, f"{channel}_consent_withdrawn_at", withdrawn_at)
    survivor.save()

    moved: dict[str, Any] = {}
    entries = list(LedgerEntry.objects.filter(guest_id=other.pk).values_list("id", "remaining_points"))
    moved["remaining"] = {str(entry_id): remaining for entry_id, remaining in entries}
    for key, model in MOVED_ROWS.items():
        ids = (
            [row[0] for row in entries]
            if key == "entries"
            else list(model.objects.filter(guest_id=other.pk).values_list("id", flat=True))
        )
        model.objects.filter(guest_id=other.pk, id__in=ids).update(guest_id=survivor.pk)
        moved[key] = ids
    moved["telegram_chats"] = []
    if not TelegramChat.objects.filter(guest_id=survivor.pk).exists():
        moved["telegram_chats"] = list(TelegramChat.objects.filter(guest_id=other.pk).values_list("id", flat=True))
        TelegramChat.objects.filter(id__in=moved["telegram_chats"]).update(guest_id=survivor.pk)

    accounts = {
        account.guest_id: account for account in PointsAccount.objects.filter(guest_id__in=[survivor.pk, other.pk])
    }
    kept, emptied = accounts[survivor.pk], accounts[other.pk]
    accounts_before = {"survivor": _account_figures(kept), "merged": _account_figures(emptied)}
    kept.available += emptied.available
    kept.pending += emptied.pending
    kept.lifetime_spend_amount += emptied.lifetime_spend_amount
    emptied.available = emptied.pending = 0
    emptied.lifetime_spend_amount = Decimal(0)
    _recompute_level(kept, now=now)
    save_account(kept, "lifetime_spend_amount", "level_id", "level_since")
    save_account(emptied, "lifetime_spend_amount")
    _refresh_visit_times(survivor)

    merge = GuestMerge.objects.create(
        survivor=survivor,
        merged=other,
        actor=_actor(access),
        moved=moved,
        survivor_before={
            field: value for field, value in survivor_before.items() if value != _json(getattr(survivor, field))
        },
        merged_before={field: value for field, value in other_before.items() if value != _json(getattr(other, field))},
        accounts_before=accounts_before,
        merged_at=now,
    )
    data = {
        "merge_id": merge.pk,
        "survivor_id": survivor.pk,
        "merged_id": other.pk,
        **{key: len(moved[key]) for key in (*MOVED_ROWS, "telegram_chats")},
    }
    record_audit(action="guest.merged", actor=_actor(access), target=survivor, data=data)
    record_audit(action="guest.merged_away", actor=_actor(access), target=other, data=data)
    return merge


def _refresh_visit_times(guest: Guest) -> None:
    """The guest's first and last visit, and the restaurants visited, read again from the visits it now has."""
    times = Visit.objects.filter(guest_id=guest.pk).aggregate(first=Min("visited_at"), last=Max("visited_at"))
    Guest.objects.filter(pk=guest.pk).update(first_visit_at=times["first"], last_visit_at=times["last"])
    recount_visited_restaurants(guest_ids=[guest.pk])


def access_merge(*, merge_id: int) -> GuestMerge:
    merge = GuestMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise GuestMergeNotFound(merge_id=merge_id)
    return merge


@transaction.atomic
def unmerge_guests(*, access: ChainAccess | None, merge_id: int) -> GuestMerge:
    """Put back exactly what merge `merge_id` moved and changed (audited); refused after UNDO_DAYS, when undone
    already, or when the moved points were spent or expired since."""
    found = access_merge(merge_id=merge_id)
    _require_merge_right(access, found.survivor_id)
    guests = _locked_pair(found.survivor_id, found.merged_id)
    merge = GuestMerge.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    if merge.is_undone:
        raise MergeUndoRefused(_("This merge was undone already."))
    if now - merge.merged_at > datetime.timedelta(days=UNDO_DAYS):
        raise MergeUndoRefused(
            _("A merge can be undone within %(days)d days; this one was made on %(date)s.")
            % {"days": UNDO_DAYS, "date": timezone.localtime(merge.merged_at).date().isoformat()}
        )
    survivor, other = guests[merge.survivor_id], guests[merge.merged_id]
    if survivor.is_erased or other.is_erased:
        raise MergeUndoRefused(_("A guest of this merge was erased: the merge can no longer be undone."))
    remaining = merge.moved.get("remaining", {})
    now_remaining = dict(
        LedgerEntry.objects.filter(id__in=merge.moved.get("entries", []), guest_id=survivor.pk).values_list(
            "id", "remaining_points"
        )
    )
    if any(now_remaining.get(int(entry_id)) != points for entry_id, points in remaining.items()):
        raise MergeUndoRefused(
            _("Points of the merged guest were spent or expired since the merge: adjust the balance by hand instead.")
        )

    for key, model in MOVED_ROWS.items():
        model.objects.filter(guest_id=survivor.pk, id__in=merge.moved.get(key, [])).update(guest_id=other.pk)
    TelegramChat.objects.filter(guest_id=survivor.pk, id__in=merge.moved.get("telegram_chats", [])).update(
        guest_id=other.pk
    )

    # The survivor's fields first: the unique identifiers it took go back to the merged profile.
    _restore(survivor, merge.survivor_before)
    survivor.save()
    _restore(other, merge.merged_before)
    other.save()
    _refresh_visit_times(survivor)
    _refresh_visit_times(other)

    accounts = {
        account.guest_id: account for account in PointsAccount.objects.filter(guest_id__in=[survivor.pk, other.pk])
    }
    before = merge.accounts_before
    for guest_id, side in ((survivor.pk, "survivor"), (other.pk, "merged")):
        account = accounts[guest_id]
        sums = LedgerEntry.objects.filter(guest_id=guest_id).aggregate(
            available=Sum("points", filter=Q(is_pending=False)), pending=Sum("points", filter=Q(is_pending=True))
        )
        account.available, account.pending = sums["available"] or 0, sums["pending"] or 0
        account.level_id = before[side]["level_id"]
        account.level_since = (
            datetime.datetime.fromisoformat(before[side]["level_since"]) if before[side]["level_since"] else None
        )
    moved_spend = Decimal(before["merged"]["lifetime_spend_amount"])
    accounts[other.pk].lifetime_spend_amount = moved_spend
    accounts[survivor.pk].lifetime_spend_amount -= moved_spend
    for account in accounts.values():
        save_account(account, "lifetime_spend_amount", "level_id", "level_since")

    merge.undone_at = now
    merge.undone_by = _actor(access)
    merge.save(update_fields=["undone_at", "undone_by"])
    data = {"merge_id": merge.pk, "survivor_id": survivor.pk, "merged_id": other.pk}
    record_audit(action="guest.merge_undone", actor=_actor(access), target=survivor, data=data)
    record_audit(action="guest.merge_undone", actor=_actor(access), target=other, data=data)
    return merge
