"""Set-based writes the ORM lacks: many rows, each with its own values, changed in one statement.

Django's `bulk_update` builds a CASE WHEN per field and row, whose SQL compiling costs more than the statement
itself on the POS pipeline's hot path. `update_rows` sends one UPDATE ... FROM (VALUES ...) instead.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def update_rows(model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object (matched by primary key) in one UPDATE; returns the rows changed.

    Values go through each field's own preparation (get_db_prep_save), so JSON, arrays and decimals behave as
    with save(); no signals are sent, as with bulk_update.
    """
    if not objects:
        return 0
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    casts = [f"%s::{column.cast_db_type(connection)}" for column in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    params: list[Any] = [
        column.get_db_prep_save(getattr(item, column.attname), connection=connection)
        for item in objects
        for column in columns
    ]
    names = [quote(column.column) for column in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (model names; values are parameters)
        f"FROM (VALUES {', '.join([row_sql] * len(objects))}) AS v({', '.join(names)}) "
        f"WHERE t.{names[0]} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_new_values(model: type[models.Model], rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING pk, in one statement: the primary keys of the rows that were new
    (a row clashing with a unique constraint is skipped). What bulk_create(ignore_conflicts=True) cannot return.

    `rows` hold database-ready values for `columns` (attnames), in that order: no model instance is built and no
    field prepares a value, which is most of the cost of an ORM insert of one row. The POS webhook's
    acknowledgement is this one statement."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, tuple(columns), len(rows)), [value for row in rows for value in row])
        return [row[0] for row in cursor.fetchall()]


@functools.lru_cache(maxsize=256)
def _insert_sql(model: type[models.Model], columns: tuple[str, ...], count: int) -> str:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(column_of[name]) for name in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row_sql] * count)} ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
