"""Editing the program: settings, levels, promos and promo codes. Every change is audited (old → new)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from audit.services import changes_between, record_audit
from loyalty.errors import DuplicateLevel, DuplicatePromoCode
from loyalty.models import Level, ProgramSettings, Promo, PromoCode
from loyalty.selectors import program_settings
from maxloyalty.constraints import check_constraint_errors
from maxloyalty.errors import Conflict, ValidationFailed
from restaurants.models import Restaurant

if TYPE_CHECKING:
    from accounts.models import User


def _values(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: getattr(instance, field) for field in fields}


def _apply(instance: Model, changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set fields, validate the row like a form would, and return {field: [old, new]}."""
    editable = {field.name for field in instance._meta.concrete_fields if field.editable and not field.primary_key}
    if unknown := sorted(set(changes) - editable):
        raise ValidationFailed(fields={name: [str(_("Unknown field."))] for name in unknown})
    before = _values(instance, changes)
    for field, value in changes.items():
        setattr(instance, field, value)
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailed(
            fields={key: [str(m) for m in messages] for key, messages in error.message_dict.items()}
        ) from error
    if constraint_errors := check_constraint_errors(instance):
        raise ValidationFailed(fields=constraint_errors)
    return changes_between(before, _values(instance, changes))


@transaction.atomic
def update_program_settings(*, actor: User | None, changes: Mapping[str, Any]) -> ProgramSettings:
    settings_row = program_settings()
    settings_row = ProgramSettings.objects.select_for_update().get(pk=settings_row.pk)
    diff = _apply(settings_row, changes)
    settings_row.save()
    if diff:
        record_audit(action="loyalty.program_updated", actor=actor, target=settings_row, changes=diff)
    else:  # saved as it is: the program was reviewed and kept (the setup checklist's step counts it)
        record_audit(action="loyalty.program_reviewed", actor=actor, target=settings_row)
    return settings_row


def _save_unique(instance: Model, error: type[Conflict]) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as integrity:
        raise error() from integrity


@transaction.atomic
def create_level(*, actor: User | None, **fields: Any) -> Level:
    level = Level()
    diff = _apply(level, fields)
    _save_unique(level, DuplicateLevel)
    record_audit(action="loyalty.level_created", actor=actor, target=level, changes=diff)
    return level


@transaction.atomic
def update_level(*, level: Level, actor: User | None, changes: Mapping[str, Any]) -> Level:
    diff = _apply(level, changes)
    _save_unique(level, DuplicateLevel)
    if diff:
        record_audit(action="loyalty.level_updated", actor=actor, target=level, changes=diff)
    return level


@transaction.atomic
def delete_level(*, level: Level, actor: User | None) -> None:
    """Guests on the level lose it until the nightly re-evaluation (or their next check) places them again."""
    record_audit(
        action="loyalty.level_deleted",
        actor=actor,
        target=level,
        data={"name": level.name, "threshold_amount": level.threshold_amount, "guests": level.accounts.count()},
    )
    level.delete()


_PROMO_RELATIONS = ("restaurant_ids", "level_ids")


def _set_promo_relations(promo: Promo, relations: Mapping[str, Any]) -> dict[str, list[Any]]:
    diff: dict[str, list[Any]] = {}
    if (restaurant_ids := relations.get("restaurant_ids")) is not None:
        found = list(Restaurant.objects.filter(pk__in=restaurant_ids))
        if len(found) != len(set(restaurant_ids)):
            raise ValidationFailed(fields={"restaurant_ids": [str(_("Unknown restaurant."))]})
        before = sorted(promo.restaurants.values_list("pk", flat=True)) if promo.pk else []
        promo.restaurants.set(found)
        diff["restaurant_ids"] = [before, sorted(restaurant_ids)]
    if (level_ids := relations.get("level_ids")) is not None:
        levels = list(Level.objects.filter(pk__in=level_ids))
        if len(levels) != len(set(level_ids)):
            raise ValidationFailed(fields={"level_ids": [str(_("Unknown level."))]})
        before = sorted(promo.levels.values_list("pk", flat=True)) if promo.pk else []
        promo.levels.set(levels)
        diff["level_ids"] = [before, sorted(level_ids)]
    return {key: value for key, value in diff.items() if value[0] != value[1]}


def _check_promo_effect(promo: Promo) -> None:
    if not ((promo.multiplier is not None and promo.multiplier > 1) or promo.bonus_points > 0):
        raise ValidationFailed(
            fields={"multiplier": [str(_("Give a multiplier above 1 or a fixed bonus."))]},
        )
    if promo.starts_on and promo.ends_on and promo.ends_on < promo.starts_on:
        raise ValidationFailed(fields={"ends_on": [str(_("The last day is before the first day."))]})


@transaction.atomic
def create_promo(*, actor: User | None, **fields: Any) -> Promo:
    relations = {key: fields.pop(key) for key in _PROMO_RELATIONS if key in fields}
    promo = Promo()
    diff = _apply(promo, fields)
    _check_promo_effect(promo)
    promo.save()
    diff.update(_set_promo_relations(promo, relations))
    record_audit(action="loyalty.promo_created", actor=actor, target=promo, changes=diff)
    return promo


@transaction.atomic
def update_promo(*, promo: Promo, actor: User | None, changes: Mapping[str, Any]) -> Promo:
    changes = dict(changes)
    relations = {key: changes.pop(key) for key in _PROMO_RELATIONS if key in changes}
    diff = _apply(promo, changes)
    _check_promo_effect(promo)
    promo.save()
    diff.update(_set_promo_relations(promo, relations))
    if diff:
        record_audit(action="loyalty.promo_updated", actor=actor, target=promo, changes=diff)
    return promo


@transaction.atomic
def delete_promo(*, promo: Promo, actor: User | None) -> None:
    """A promo already used by checks is kept inactive (its codes' history stays); an unused one is deleted."""
    if PromoCode.objects.filter(promo=promo, uses__isnull=False).exists():
        update_promo(promo=promo, actor=actor, changes={"is_active": False})
        return
    record_audit(action="loyalty.promo_deleted", actor=actor, target=promo, data={"name": promo.name})
    promo.delete()


@transaction.atomic
def create_promo_code(
    *,
    promo: Promo,
    code: str,
    actor: User | None,
    max_uses: int | None = None,
    max_uses_per_guest: int | None = 1,
) -> PromoCode:
    code = code.strip().upper()
    if not code:
        raise ValidationFailed(fields={"code": [str(_("Enter the code."))]})
    if not promo.requires_code:
        update_promo(promo=promo, actor=actor, changes={"requires_code": True})
    row = PromoCode(promo=promo, code=code, max_uses=max_uses, max_uses_per_guest=max_uses_per_guest)
    _save_unique(row, DuplicatePromoCode)
    record_audit(
        action="loyalty.promo_code_created",
        actor=actor,
        target=promo,
        data={"code": code, "max_uses": max_uses, "max_uses_per_guest": max_uses_per_guest},
    )
    return row


@transaction.atomic
def deactivate_promo_code(*, code: PromoCode, actor: User | None) -> PromoCode:
    code.is_active = False
    code.save(update_fields=["is_active"])
    record_audit(action="loyalty.promo_code_deactivated", actor=actor, target=code.promo, data={"code": code.code})
    return code
