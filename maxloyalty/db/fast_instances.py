"""Model instances for the hot path without the constructor's per-field work: new rows (`new_instance`,
`set_related`) and, for the reads that opt in, loaded rows (FastLoading). Each is what Django's constructor would
build; the equivalence tests in tests/test_fast_instances.py are the canaries to run on every Django upgrade
(docs/hot-path.md)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

ModelT = TypeVar("ModelT", bound=models.Model)


def new_instance(model: type[ModelT], related: Mapping[str, models.Model | None], **values: Any) -> ModelT:
    """`model(**values, **related)` for rows built by the hundred on the hot path (unsaved): the values go straight
    into the instance, every other field at its default, and each related object is set by its key column and
    cached (no query to read it back). Django's constructor spends more than that on its per-field bookkeeping
    (every field looked up among the keyword arguments, every key column assigned through its descriptor, every
    related object checked against the database router). A model whose attributes are not all plain
    (a field with its own descriptor), or with init signal receivers, goes through the constructor."""
    plan = _construction_plan(model)
    if plan is None or _has_init_receivers(model):
        instance = model(**values)
    else:
        instance = model.__new__(model)
        state = instance.__dict__
        state.update(plan.constants)
        for attname, field in plan.computed:
            if attname not in values:
                state[attname] = field.get_default()
        unknown = values.keys() - plan.attnames
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        state.update(values)
        instance._state = ModelState()
    for name, obj in related.items():
        set_related(instance, name, obj)
    return instance


def set_related(instance: models.Model, name: str, obj: models.Model | None) -> None:
    """`instance.<name> = obj` for a foreign key on the hot path: the key column set and the object cached, without
    the descriptor's checks (instance type, database router)."""
    field = instance._meta.get_field(name)
    instance.__dict__[field.attname] = None if obj is None else obj.pk
    field.set_cached_value(instance, obj)


class FastLoading(models.Model):
    """For the models the hot path reads by the hundred (a POS batch: receipts, guests, accounts): rows loaded from
    the database become instances without the constructor's per-field work, the documented way to customise
    loading (Model.from_db). The instance is what the constructor would build: the loaded columns set, the
    deferred ones left to load on access, marked as stored in `db`. Falls back to Django's own from_db as
    new_instance does."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Sequence[str], values: Sequence[Any]) -> Any:
        if _construction_plan(cls) is None or _has_init_receivers(cls):
            return super().from_db(db, field_names, values)
        instance = cls.__new__(cls)
        instance.__dict__.update(zip(field_names, values, strict=True))
        state = instance._state = ModelState()
        state.adding = False
        state.db = db
        return instance


@dataclass(frozen=True)
class _ConstructionPlan:
    attnames: frozenset[str]
    constants: dict[str, Any]  # the fields whose default is a fixed value: that value
    computed: tuple[tuple[str, models.Field], ...]  # the fields with a callable default


@functools.cache
def _construction_plan(model: type[models.Model]) -> _ConstructionPlan | None:
    """What new_instance and FastLoading.from_db need to know of a model, or None when its fields must be set
    through the constructor (a field with a descriptor of its own, e.g. a file field)."""
    fields = model._meta.concrete_fields
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    if any(type(getattr(model, field.attname, None)) not in plain for field in fields):
        return None
    constants, computed = {}, []
    for field in fields:
        if field.has_default() and callable(field.default):
            computed.append((field.attname, field))
        else:
            constants[field.attname] = field.get_default()
    if any(isinstance(value, list | dict | set) for value in constants.values()):
        return None  # a mutable default shared by every instance would be a bug: leave it to the constructor
    return _ConstructionPlan(frozenset(field.attname for field in fields), constants, tuple(computed))


def _has_init_receivers(model: type[models.Model]) -> bool:
    """Whether a pre_init or post_init receiver listens for the model (none connected at all: the common case,
    answered without the signals' lookup)."""
    return bool(signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    )
