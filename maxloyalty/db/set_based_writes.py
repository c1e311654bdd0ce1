"""Set-based writes for the hot path: many rows, each with its own values, in one statement (COPY, INSERT ...
SELECT FROM unnest or json_populate_recordset, UPDATE ... FROM unnest), with the SQL built once per model and
columns. No signals are sent, as with Django's bulk methods. Design and measurements: docs/hot-path.md."""

from __future__ import annotations

import datetime
import enum
import functools
import json
import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import orjson
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.functional import Promise

from maxloyalty.db.cursors import bound_cursor
from maxloyalty.db.fast_instances import ModelT, fast_load

PrepareColumn = Callable[[list[Any]], list[Any]]
AnyField: TypeAlias = models.Field[Any, Any]


def _field(model: type[models.Model], name: str) -> AnyField:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # these writers name columns, never a relation's reverse side
    return field


def _column(field: AnyField) -> str:
    assert field.column is not None  # a concrete field has its column
    return field.column


def _column_preparer(field: AnyField, connection: BaseDatabaseWrapper) -> PrepareColumn | None:
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
    objects: Sequence[models.Model], fields: Sequence[AnyField], connection: BaseDatabaseWrapper
) -> list[list[Any]]:
    """The objects' values of each field (one list per field), as the database takes them."""
    columns = []
    for field in fields:
        values = list(map(operator.attrgetter(field.attname), objects))
        prepare = _column_preparer(field, connection)
        columns.append(prepare(values) if prepare is not None else values)
    return columns


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
    columns = [
        quote(_column(meta.pk)),
        *(quote(_column(field)) for field in meta.concrete_fields if not field.primary_key),
    ]
    return f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN"


def insert_default_rows(model: type[ModelT], key: str, values: Sequence[Any]) -> list[ModelT]:
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
    return list(fast_load(model._default_manager.raw(_insert_defaults_sql(model, key), [*defaults, list(values)])))


def _prepared(field: AnyField, value: Any, connection: BaseDatabaseWrapper) -> Any:
    prepare = _column_preparer(field, connection)
    return prepare([value])[0] if prepare is not None else value


def _default_fields(model: type[models.Model], key: str) -> list[AnyField]:
    return [field for field in model._meta.concrete_fields if not field.primary_key and field.name != key]


@functools.lru_cache(maxsize=16)
def _insert_defaults_sql(model: type[models.Model], key: str) -> str:
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    key_field = _field(model, key)
    fields = _default_fields(model, key)
    columns = ", ".join(quote(_column(field)) for field in (key_field, *fields))
    casts = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (model names; values are parameters)
        f"SELECT k.value, {casts} FROM unnest(%s::{key_field.cast_db_type(connection)}[]) WITH ORDINALITY AS "
        "k(value, position) ORDER BY k.position ON CONFLICT DO NOTHING RETURNING *"
    )


def update_rows(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str], *, match: Sequence[str] = ()
) -> int:
    """Write `fields` of every object (matched by primary key, and by the `match` fields too: a partitioned table's
    month column, so each row's partition is found without probing the others) in one UPDATE ... FROM
    unnest(arrays); returns the rows changed. One array per column keeps the statement short whatever the batch size (the driver caches its
    parse), and each array is cast to its column's type. The arrays go in binary (%b): the driver's text format
    would look each element over for characters to quote, a regular expression per value."""
    if not objects:
        return 0
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.pk, *(_field(model, name) for name in (*match, *fields))]
    with bound_cursor(connection) as cursor:
        cursor.execute(_update_sql(model, tuple(fields), tuple(match)), _database_columns(objects, columns, connection))
        changed: int = cursor.rowcount
        return changed


@functools.lru_cache(maxsize=64)
def _update_sql(model: type[models.Model], fields: tuple[str, ...], match: tuple[str, ...] = ()) -> str:
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [meta.pk, *(_field(model, name) for name in (*match, *fields))]
    names = [quote(_column(column)) for column in columns]
    arrays = ", ".join(f"%b::{column.cast_db_type(connection)}[]" for column in columns)
    keys = names[: 1 + len(match)]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1 + len(match) :])
    return (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (model names; values are parameters)
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE " + " AND ".join(f"t.{name} = v.{name}" for name in keys)
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
    return tuple((field.attname, _column(field)) for field in model._meta.concrete_fields if not field.primary_key)


@functools.lru_cache(maxsize=64)
def _insert_sql(model: type[models.Model], returning: tuple[str, ...]) -> str:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    names = ", ".join(quote(column) for _attname, column in _insert_columns(model))
    column_of = {field.attname: _column(field) for field in meta.concrete_fields}
    returned = ", ".join(quote(column) for column in (_column(meta.pk), *(column_of[name] for name in returning)))
    table = quote(meta.db_table)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608 (model names; values are parameters)
        f"FROM json_populate_recordset(NULL::{table}, %s::json) WITH ORDINALITY AS r ORDER BY r.ordinality "
        f"ON CONFLICT DO NOTHING RETURNING {returned}"
    )
