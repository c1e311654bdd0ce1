"""Set-based writes for the POS pipeline's hot path: many rows, each with its own values, in one statement; and
model instances built or loaded for it without the constructor's per-field work (new_instance, FastLoading).

Django's `bulk_update` builds a CASE WHEN per field and row, and `bulk_create` (like `save`) prepares every value
through its field and compiles the statement anew; for a batch of checks that costs more than the statements
themselves. Here the SQL is built once per model and columns, and values go to the database as the
objects hold them: the driver adapts ints, strings, decimals, datetimes and lists itself; only JSON needs its
field's adaptation, and auto_now fields are stamped as save() would. No signals are sent, as with the bulk
methods.

These statements run on a server-binding cursor (`bound_cursor`): the values travel beside the statement instead
of being quoted into its text. The acknowledgement's INSERT (insert_new_values) is also prepared, once per
connection (PreparingCursor; the database's PREPARE_HOT_STATEMENTS setting turns it off): its backend CPU falls by
about a third (pgbench, two clients: 1.0 → 0.7 ms per 4-row INSERT). The drain's UPDATE ... FROM unnest statements
are not: a prepared statement's generic plan is made once for arrays of unknown length and kept while a young
table grows.
"""

from __future__ import annotations

import datetime
import enum
import functools
import json
import operator
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import orjson
import psycopg
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from django.utils.functional import Promise

PrepareColumn = Callable[[list[Any]], list[Any]]
ModelT = TypeVar("ModelT", bound=models.Model)


PREPARE_ONLY_WHEN_ASKED = 2**62


class PreparingCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """A psycopg cursor that prepares every statement it runs (psycopg keeps the prepared statements of a
    connection, the most recent 100, by their text). Django turns psycopg's automatic preparing off, so Django's
    own queries are parsed and planned by the server on every run; a fixed statement run thousands of times a
    minute on the same persistent connections is parsed once per connection. A prepared statement is parsed again
    by the server when the search_path differs from the last run's (another tenant's schema) or a table it uses
    changed, so it never reaches another schema's tables."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    def _send_query_prepared(self, name: bytes, pgq: Any, *, binary: bool | None = None) -> None:
        self._query = pgq  # as an unprepared run keeps it: Django's captured queries show the statement
        super()._send_query_prepared(name, pgq, binary=binary)


@contextmanager
def bound_cursor(connection: BaseDatabaseWrapper, *, prepare: bool = False) -> Iterator[CursorWrapper]:
    """A Django cursor over a psycopg server-binding cursor, for the hot path's fixed statements.

    Django's psycopg cursors bind on the client: every value is quoted into the SQL text in Python (for a long
    statement with many placeholders, after a regex split of its text on every run). Here the values go as
    parameters, which the driver dumps in C. The cursor is Django's own wrapper (opened through
    `connection.cursor()`, so the tenant's search_path is applied first, and logged like any other when queries
    are captured), so errors, wrappers and query counts stay as they are. Only for statements whose placeholders
    are plain values (no `%s` inside a literal) and whose types the database can infer or is told by a cast."""
    with connection.cursor():  # connects and applies the tenant's search_path
        driver_connection = connection.connection
        prepare = prepare and connection.settings_dict.get("PREPARE_HOT_STATEMENTS", False)
        if prepare and driver_connection.prepare_threshold is None:
            # Django turns psycopg's preparing off (None), and psycopg then ignores `prepare=True` too. A threshold
            # no statement reaches prepares what is asked to be prepared, and nothing else (Django's own cursors
            # bind on the client and are never prepared).
            driver_connection.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        raw = (PreparingCursor if prepare else psycopg.Cursor)(driver_connection)
        try:
            yield connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
        finally:
            raw.close()


def _column_preparer(field: models.Field, connection: BaseDatabaseWrapper) -> PrepareColumn | None:
    """How a column of this field's values must be adapted before the driver sees it (None: as it is). Besides
    JSON, values are brought to the column's one Python type (a choice member to its string, a default 0 of a
    decimal column to a Decimal): an array of update_rows must not mix types. A column that needs no change is
    returned as it is, after one look at its values."""
    if isinstance(field, models.JSONField):
        encoder, adapt = field.encoder, connection.ops.adapt_json_value
        return lambda values: [adapt(value, encoder) for value in values]
    if isinstance(field, models.DecimalField):
        return lambda values: (
            values
            if all(value is None or type(value) is Decimal for value in values)
            else [value if value is None or type(value) is Decimal else Decimal(value) for value in values]
        )
    if isinstance(field, models.CharField | models.TextField) or field.choices:
        return lambda values: (
            [value.value if isinstance(value, enum.Enum) else value for value in values]
            if any(isinstance(value, enum.Enum) for value in values)
            else values
        )
    return None


def _database_columns(
    objects: Sequence[models.Model], fields: Sequence[models.Field], connection: BaseDatabaseWrapper
) -> list[list[Any]]:
    """The objects' values of each field (one list per field), as the database takes them."""
    columns = []
    for field in fields:
        values = list(map(operator.attrgetter(field.attname), objects))
        prepare = _column_preparer(field, connection)
        columns.append(prepare(values) if prepare is not None else values)
    return columns


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


def insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """bulk_create for the hot path, the new primary keys set on the objects: the keys are drawn from the table's
    sequence in one query and the rows sent by COPY, whose rows the driver formats in C (a long INSERT ... VALUES
    costs the driver a Python pass over every placeholder)."""
    if not objects:
        return
    meta = model._meta
    if not isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        raise TypeError(f"insert_rows draws keys from a sequence: {model.__name__} has no auto-increment key")
    db = router.db_for_write(model)
    connection = connections[db]
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for item in objects:
                field.pre_save(item, add=True)
    rows = zip(*_database_columns(objects, fields, connection), strict=True)
    with bound_cursor(connection) as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        keys = [row[0] for row in cursor.fetchall()]
        with cursor.copy(_copy_sql(model)) as copy:
            for key, row in zip(keys, rows, strict=True):
                copy.write_row((key, *row))
    for item, key in zip(objects, keys, strict=True):
        item.pk = key
        item._state.adding = False
        item._state.db = db


@functools.lru_cache(maxsize=64)
def _copy_sql(model: type[models.Model]) -> str:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    columns = [quote(meta.pk.column), *(quote(field.column) for field in meta.concrete_fields if not field.primary_key)]
    return f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN"


def insert_default_rows(model: type[models.Model], key: str, values: Sequence[Any]) -> list[models.Model]:
    """bulk_create(ignore_conflicts=True) of one row per value of the `key` field, every other field at its default
    (auto_now fields: now), in one INSERT ... SELECT FROM unnest(array) ... ON CONFLICT DO NOTHING RETURNING *: the
    rows that were new, as instances (a value clashing with a unique constraint is skipped). The rows go in in the
    order of `values`; no instance is built before the insert and no statement is compiled per call."""
    if not values:
        return []
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    defaults = [
        _prepared(
            field,
            now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else field.get_default(),
            connection,
        )
        for field in _default_fields(model, key)
    ]
    return list(model._default_manager.raw(_insert_defaults_sql(model, key), [*defaults, list(values)]))


def _prepared(field: models.Field, value: Any, connection: BaseDatabaseWrapper) -> Any:
    prepare = _column_preparer(field, connection)
    return prepare([value])[0] if prepare is not None else value


def _default_fields(model: type[models.Model], key: str) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key and field.name != key]


@functools.lru_cache(maxsize=16)
def _insert_defaults_sql(model: type[models.Model], key: str) -> str:
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    key_field = meta.get_field(key)
    fields = _default_fields(model, key)
    columns = ", ".join(quote(field.column) for field in (key_field, *fields))
    casts = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (model names; values are parameters)
        f"SELECT k.value, {casts} FROM unnest(%s::{key_field.cast_db_type(connection)}[]) WITH ORDINALITY AS "
        "k(value, position) ORDER BY k.position ON CONFLICT DO NOTHING RETURNING *"
    )


def update_rows(model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object (matched by primary key) in one UPDATE ... FROM unnest(arrays); returns the
    rows changed. One array per column keeps the statement short whatever the batch size (the driver caches its
    parse), and each array is cast to its column's type. The arrays go in binary (%b): the driver's text format
    would look each element over for characters to quote, a regular expression per value."""
    if not objects:
        return 0
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    with bound_cursor(connection) as cursor:
        cursor.execute(_update_sql(model, tuple(fields)), _database_columns(objects, columns, connection))
        return cursor.rowcount


@functools.lru_cache(maxsize=64)
def _update_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = [quote(column.column) for column in columns]
    arrays = ", ".join(f"%b::{column.cast_db_type(connection)}[]" for column in columns)
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    return (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (model names; values are parameters)
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}"
    )


def insert_new_values(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], returning: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING pk (and the `returning` attnames), in one statement: one tuple
    per row that was new (a row clashing with a unique constraint, or with an earlier row of `rows`, is skipped).
    What bulk_create(ignore_conflicts=True) cannot return.

    Each row maps every concrete field but the primary key (by attname) to its value as Python holds it (a JSON
    field's value as the object itself, plain JSON plus datetimes, decimals and UUIDs: a field's own encoder is
    not used); no model instance is built, which is most of the cost of an ORM insert of one row. The rows travel as one JSON parameter that the database turns into the table's rows
    (json_populate_recordset, inserted in the order given, so their keys rise in that order): one short
    statement whatever the number of rows, whose conversion the driver caches, and one value for it to send. The POS webhook's acknowledgement is this one statement."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    columns = _insert_columns(model)
    document = rows_document(
        [{column: row[attname] for attname, column in columns} for row in rows]
    )  # KeyError: a field left out
    with bound_cursor(connection, prepare=True) as cursor:
        cursor.execute(_insert_sql(model, tuple(returning)), [document])
        return [tuple(row) for row in cursor.fetchall()]


def _encode_scalar(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()  # every digit: the database reads the full precision back
    if isinstance(value, Decimal | uuid.UUID | Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a value insert_new_values can send")


_ROWS_ENCODER = json.JSONEncoder(default=_encode_scalar, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def rows_document(rows: list[dict[str, Any]]) -> str:
    """The rows as one compact JSON text. orjson writes the same text as the standard encoder above about ten times
    faster (on Python 3.11 the standard one took 15 % of a webhook's acknowledgement); what orjson refuses (an
    integer beyond 64 bits, a key that is not a string) goes through the standard encoder. One difference: a float
    NaN or infinity (which no webhook body can hold: pos.check_format refuses them) is written as null, where the
    standard encoder raised."""
    try:
        return orjson.dumps(rows, default=_encode_scalar).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _ROWS_ENCODER.encode(rows)


@functools.lru_cache(maxsize=64)
def _insert_columns(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    """(attname, column) of every concrete field but the primary key."""
    return tuple((field.attname, field.column) for field in model._meta.concrete_fields if not field.primary_key)


@functools.lru_cache(maxsize=64)
def _insert_sql(model: type[models.Model], returning: tuple[str, ...]) -> str:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    names = ", ".join(quote(column) for _attname, column in _insert_columns(model))
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    returned = ", ".join(quote(column) for column in (meta.pk.column, *(column_of[name] for name in returning)))
    table = quote(meta.db_table)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608 (model names; values are parameters)
        f"FROM json_populate_recordset(NULL::{table}, %s::json) WITH ORDINALITY AS r ORDER BY r.ordinality "
        f"ON CONFLICT DO NOTHING RETURNING {returned}"
    )
