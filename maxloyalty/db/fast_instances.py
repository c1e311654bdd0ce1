"""Model instances for the hot path without the constructor's per-field work: new rows (`new_instance`,
`set_related`) and the rows of the reads that opt in (`fast_load`). Each is what Django's constructor would build;
tests/test_fast_instances.py proves it and is a canary to run on every Django or psycopg upgrade
(docs/hot-path.md)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, QuerySet, RawModelIterable, RawQuerySet
from django.db.models.query_utils import DeferredAttribute

ModelT = TypeVar("ModelT", bound=models.Model)
QuerySetT = TypeVar("QuerySetT", "QuerySet[Any]", "RawQuerySet[Any]")


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
    instance.__dict__[field.attname] = None if obj is None else obj.pk  # type: ignore[union-attr]  # a foreign key
    field.set_cached_value(instance, obj)  # type: ignore[union-attr]  # a foreign key


def fast_load(queryset: QuerySetT) -> QuerySetT:
    """The queryset (or raw queryset) with its rows loaded without the constructor's per-field work: for the reads
    the hot path makes by the hundred (a POS batch's receipts, guests and accounts); every other read loads through
    Django's own `Model.from_db`. Each instance is what the constructor would build: the loaded columns set, the
    deferred ones left to load on access, marked as stored in its database. A query that also loads related rows
    or annotations, a model whose fields are not all plain, or one with init signal receivers is loaded by Django
    as usual."""
    if isinstance(queryset, RawQuerySet):
        raw: Any = queryset  # its private parts (_db, _hints, a RawQuery) as RawQuerySet's own _clone copies them
        return _FastRawQuerySet(
            raw.raw_query,
            model=raw.model,
            query=raw.query,
            params=raw.params,
            translations=raw.translations,
            using=raw._db,
            hints=raw._hints,
        )
    chained = queryset.all()
    if chained._iterable_class is ModelIterable:
        chained._iterable_class = _FastModelIterable
    return chained


def loaded_instance(model: type[ModelT], db: str, field_names: Sequence[str], values: Sequence[Any]) -> ModelT:
    """`model.from_db(db, field_names, values)` without the constructor (see fast_load)."""
    if _construction_plan(model) is None or _has_init_receivers(model):
        return model.from_db(db, field_names, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(field_names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = db
    return instance


class _FastModelIterable(ModelIterable[models.Model]):
    """Django's ModelIterable for a plain query (the model's own columns only), each row through loaded_instance."""

    def __iter__(self) -> Iterator[models.Model]:
        queryset: Any = self.queryset  # Django's private _known_related_objects
        query = queryset.query
        if query.select_related or query.annotation_select or queryset._known_related_objects:
            yield from super().__iter__()
            return
        db = queryset.db
        compiler = query.get_compiler(using=db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        model = compiler.klass_info["model"]
        select_fields = compiler.klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        field_names = [column[0].target.attname for column in compiler.select[start:end]]
        for row in compiler.results_iter(results):
            yield loaded_instance(model, db, field_names, row[start:end])


class _FastRawQuerySet(RawQuerySet[models.Model]):
    def iterator(self) -> Iterator[models.Model]:
        yield from _FastRawModelIterable(self)  # type: ignore[arg-type]  # stubs: a QuerySet; Django takes raw ones


class _FastRawModelIterable(RawModelIterable):
    """Django's RawModelIterable, each row through loaded_instance. The statement runs once, as Django's: its
    result names the columns (a raw INSERT ... RETURNING must not run twice)."""

    def __iter__(self) -> Iterator[models.Model]:  # type: ignore[override]  # stubs: dicts; Django yields instances
        raw: Any = self.queryset  # a RawQuerySet (the stubs say QuerySet) with its RawQuery
        db, query, model = raw.db, raw.query, raw.model
        connection = connections[db]
        compiler = connection.ops.compiler("SQLCompiler")(query, connection, db)
        rows = iter(query)
        try:
            field_names, positions, annotations = raw.resolve_model_init_order()
            if model._meta.pk.attname not in field_names:
                raise FieldDoesNotExist("Raw query must include the primary key")
            fields = [raw.model_fields.get(column) for column in raw.columns]
            columns: list[Any] = [field.get_col(field.model._meta.db_table) if field else None for field in fields]
            converters = compiler.get_converters(columns)
            if converters:
                rows = compiler.apply_converters(rows, converters)
            if compiler.has_composite_fields(columns):
                rows = compiler.composite_fields_to_tuples(rows, columns)
            for values in rows:
                instance = loaded_instance(model, db, field_names, [values[position] for position in positions])
                for column, position in annotations:
                    setattr(instance, column, values[position])
                yield instance
        finally:
            if getattr(query, "cursor", None):
                query.cursor.close()


@dataclass(frozen=True)
class _ConstructionPlan:
    attnames: frozenset[str]
    constants: dict[str, Any]  # the fields whose default is a fixed value: that value
    computed: tuple[tuple[str, models.Field[Any, Any]], ...]  # the fields with a callable default


@functools.cache
def _construction_plan(model: type[models.Model]) -> _ConstructionPlan | None:
    """What new_instance and loaded_instance need to know of a model, or None when its fields must be set
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
