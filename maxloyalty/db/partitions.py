"""Monthly range partitions of the tables that grow for years (the ledger, visits, POS receipts, the audit log, sync
runs and refused POS pushes), managed by PostgreSQL's declarative partitioning and this module.

Each partitioned table has one partition per calendar month (UTC bounds) named `<table>_pYYYYMM`, and a default
partition `<table>_default` that catches a row outside every month (an imported visit from years ago, a clock far
ahead): such a write never fails. `maintain_partitions` (Celery beat, per chain, and at sign-up through the
migrations) creates the coming months ahead and drains the default partition into months of their own;
`missing_partitions` is the readiness check's question; `drop_months_before` is retention by dropping whole
months. `convert_to_partitioned` turns a plain table into a partitioned one online (copy in batches while writes
go on, then a short swap under lock); the migrations of each app call it, so a new chain's empty tables and an
existing chain's full ones take the same path. Why native partitioning and not django-postgres-extra or pg_partman:
docs/partitioning.md.

PostgreSQL enforces a unique index of a partitioned table only together with the partition key: uniqueness that
must hold across months lives in small unpartitioned key tables filled by a trigger on insert (loyalty.LedgerKey,
pos.ReceiptKey).
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

# (model label, time column) of every partitioned table; the order is the order maintenance visits them.
PARTITIONED_MODELS: tuple[tuple[str, str], ...] = (
    ("loyalty.LedgerEntry", "created_at"),
    ("guests.Visit", "visited_at"),
    ("pos.Receipt", "received_at"),
    ("audit.AuditEntry", "created_at"),
    ("pos.SyncRun", "started_at"),
    ("pos.RejectedAttempt", "minute"),
)
# Tables whose months are never dropped, whatever the retention: the ledger is the account's history (balances,
# expiry, refunds and idempotency all read it back to the first entry).
NEVER_DROPPED: tuple[str, ...] = ("loyalty.LedgerEntry",)
MONTHS_AHEAD = 3  # partitions kept ready beyond the current month
COPY_BATCH_ROWS = 50_000


@dataclass(frozen=True)
class PartitionedTable:
    table: str
    column: str


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime.datetime | None  # None: the default partition
    end: datetime.datetime | None

    @property
    def is_default(self) -> bool:
        return self.start is None


@dataclass
class Conversion:
    """What convert_to_partitioned did: rows copied, batches, and how long the table was locked for the swap."""

    table: str
    rows: int = 0
    batches: int = 0
    months: int = 0
    lock_seconds: float = 0.0
    total_seconds: float = 0.0
    skipped: bool = False
    dropped_unique: list[str] = field(default_factory=list)


def partitioned_tables() -> list[PartitionedTable]:
    return [PartitionedTable(apps.get_model(label)._meta.db_table, column) for label, column in PARTITIONED_MODELS]


def month_start(moment: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(datetime.UTC) if timezone.is_aware(moment) else moment
    return datetime.date(moment.year, moment.month, 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    end_month = add_months(month, 1)
    return start, datetime.datetime(end_month.year, end_month.month, 1, tzinfo=datetime.UTC)


def partition_name(table: str, month: datetime.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def _quote(name: str) -> str:
    return default_connection.ops.quote_name(name)


def is_partitioned(table: str, *, connection: BaseDatabaseWrapper = default_connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [_quote(table)],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


_BOUND = re.compile(r"FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)")


def partitions(table: str, *, connection: BaseDatabaseWrapper = default_connection) -> list[Partition]:
    """The table's partitions in the current schema, months in time order, the default partition last."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) FROM pg_inherits i "
            "JOIN pg_class child ON child.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [_quote(table)],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match is None:
            found.append(Partition(name, None, None))
        else:
            start, end = (datetime.datetime.fromisoformat(value) for value in match.groups())
            found.append(Partition(name, start, end))
    return sorted(found, key=lambda item: (item.is_default, item.start or timezone.now()))


def name_partition_indexes(table: str, *, connection: BaseDatabaseWrapper = default_connection) -> None:
    """Name each partition's indexes after the table's index they belong to, `<index>_<YYYYMM>` (`_default`), so
    that a query plan says which index it walks (PostgreSQL would name them after their columns)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child_index.relname, parent_index.relname, part.relname FROM pg_inherits pi "
            "JOIN pg_class part ON part.oid = pi.inhrelid "
            "JOIN pg_index ci ON ci.indrelid = part.oid AND NOT ci.indisprimary "
            "JOIN pg_class child_index ON child_index.oid = ci.indexrelid "
            "JOIN pg_inherits ii ON ii.inhrelid = ci.indexrelid "
            "JOIN pg_class parent_index ON parent_index.oid = ii.inhparent "
            "WHERE pi.inhparent = to_regclass(%s)",
            [_quote(table)],
        )
        for index, parent, part in cursor.fetchall():
            month = re.search(r"_p([0-9]{6})$", part)
            suffix = month.group(1) if month else "default"
            parent = parent.removesuffix("__p")  # a table being converted: its indexes take their names at the swap
            wanted = f"{parent[: 62 - len(suffix)]}_{suffix}"
            if index != wanted:
                cursor.execute(f"ALTER INDEX {_quote(index)} RENAME TO {_quote(wanted)}")


def _months_with_rows_in_default(cursor: CursorWrapper, table: str, column: str) -> list[datetime.date]:
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', {_quote(column)} AT TIME ZONE 'UTC')::date "  # noqa: S608
        f"FROM ONLY {_quote(default_partition_name(table))} WHERE {_quote(column)} IS NOT NULL ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def create_month(
    table: str, column: str, month: datetime.date, *, connection: BaseDatabaseWrapper = default_connection
) -> bool:
    """Make sure the month has its partition; rows of that month waiting in the default partition move into it.
    True when the partition was made now."""
    name = partition_name(table, month)
    start, end = month_bounds(month)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_quote(name)])
        if cursor.fetchone()[0]:
            return False
        default = _quote(default_partition_name(table))
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
        has_default = cursor.fetchone()[0]
        waiting = False
        if has_default:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM ONLY {default} WHERE {_quote(column)} >= %s AND {_quote(column)} < %s)",  # noqa: S608
                [start, end],
            )
            waiting = cursor.fetchone()[0]
        if not waiting:
            cursor.execute(
                f"CREATE TABLE {_quote(name)} PARTITION OF {_quote(table)} FOR VALUES FROM (%s) TO (%s)",
                [start.isoformat(), end.isoformat()],
            )
            name_partition_indexes(table, connection=connection)
            return True
        # Rows of the month sit in the default partition: a partition for them cannot be made beside it. Detach the
        # default partition (the table is locked meanwhile; a detached partition loses the table's triggers, so the
        # key tables' release trigger does not fire for rows that only move), make the month's partition, move the
        # rows into it (its triggers see them arrive: the key tables keep their rows) and out of the default, then
        # attach the default again. ALTER TABLE refuses a table with deferred checks pending (rows written earlier
        # in the same transaction): they are checked now first, as Django's check_constraints does.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {_quote(table)} DETACH PARTITION {default}")
        cursor.execute(
            f"CREATE TABLE {_quote(name)} PARTITION OF {_quote(table)} FOR VALUES FROM (%s) TO (%s)",
            [start.isoformat(), end.isoformat()],
        )
        where = f"{_quote(column)} >= %s AND {_quote(column)} < %s"
        cursor.execute(f"INSERT INTO {_quote(name)} SELECT * FROM {default} WHERE {where}", [start, end])  # noqa: S608
        cursor.execute(f"DELETE FROM {default} WHERE {where}", [start, end])  # noqa: S608
        cursor.execute(f"ALTER TABLE {_quote(table)} ATTACH PARTITION {default} DEFAULT")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        name_partition_indexes(table, connection=connection)
        return True


def drain_default(
    table: str, column: str, *, connection: BaseDatabaseWrapper = default_connection
) -> list[datetime.date]:
    """Give every month that has rows in the default partition a partition of its own (rows move there)."""
    with connection.cursor() as cursor:
        months = _months_with_rows_in_default(cursor, table, column)
    for month in months:
        create_month(table, column, month, connection=connection)
    return months


def default_partition_rows(*, connection: BaseDatabaseWrapper = default_connection) -> dict[str, int]:
    """Rows waiting in each table's default partition (0 when drained)."""
    counts = {}
    with connection.cursor() as cursor:
        for item in partitioned_tables():
            default = default_partition_name(item.table)
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_quote(default)])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f"SELECT count(*) FROM ONLY {_quote(default)}")  # noqa: S608
            counts[item.table] = cursor.fetchone()[0]
    return counts


@dataclass(frozen=True)
class Maintenance:
    created: list[str]
    drained: dict[str, list[datetime.date]]


def maintain_partitions(*, now: datetime.datetime | None = None, months_ahead: int = MONTHS_AHEAD) -> Maintenance:
    """The current schema's partitioned tables: this month and `months_ahead` more exist, the default partitions
    are drained. Idempotent; run by Celery beat for every chain and by the migrations at sign-up."""
    current = month_start(now or timezone.now())
    created, drained = [], {}
    for item in partitioned_tables():
        if not is_partitioned(item.table):
            continue
        moved = drain_default(item.table, item.column)
        if moved:
            drained[item.table] = moved
        for offset in range(months_ahead + 1):
            month = add_months(current, offset)
            if create_month(item.table, item.column, month):
                created.append(partition_name(item.table, month))
    return Maintenance(created=created, drained=drained)


def missing_partitions(*, now: datetime.datetime | None = None) -> list[str]:
    """Partitions that should exist in the current schema and don't: this month's and next month's of every
    partitioned table (the readiness check fails on any)."""
    current = month_start(now or timezone.now())
    missing = []
    with default_connection.cursor() as cursor:
        for item in partitioned_tables():
            for month in (current, add_months(current, 1)):
                name = partition_name(item.table, month)
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_quote(name)])
                if not cursor.fetchone()[0]:
                    missing.append(name)
    return missing


def drop_months_before(
    table: str,
    cutoff: datetime.datetime,
    *,
    archive: Callable[[Partition], None] | None = None,
    connection: BaseDatabaseWrapper = default_connection,
) -> list[str]:
    """Drop the table's month partitions that end at or before `cutoff` (whole months only: a month that is
    partly younger stays until all of it is past). `archive(partition)` runs first for each; if it raises,
    nothing of that partition is dropped. The names of the dropped partitions. Refuses a table of NEVER_DROPPED."""
    protected = {apps.get_model(label)._meta.db_table for label in NEVER_DROPPED}
    if table in protected:
        raise ValueError(f"{table}: its months are never dropped")
    dropped = []
    for partition in partitions(table, connection=connection):
        if partition.is_default or partition.end is None or partition.end > cutoff:
            continue
        if archive is not None:
            archive(partition)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {_quote(table)} DETACH PARTITION {_quote(partition.name)}")
            cursor.execute(f"DROP TABLE {_quote(partition.name)}")
        dropped.append(partition.name)
    return dropped


# --- Turning a plain table into a partitioned one ------------------------------------------------------------------


def _index_definitions(cursor: CursorWrapper, table: str) -> list[tuple[str, str, bool, str | None]]:
    """(name, CREATE INDEX statement, is_unique, constraint definition when the index is a constraint's) of the
    table's indexes but its primary key."""
    cursor.execute(
        "SELECT ic.relname, pg_get_indexdef(ix.indexrelid), ix.indisunique, pg_get_constraintdef(c.oid) "
        "FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid "
        "WHERE ix.indrelid = to_regclass(%s) AND NOT ix.indisprimary ORDER BY ic.relname",
        [_quote(table)],
    )
    return list(cursor.fetchall())


def _foreign_keys(cursor: CursorWrapper, table: str) -> list[tuple[str, str, str]]:
    """(name, definition, referenced table) of the table's own foreign keys."""
    cursor.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid), c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.conrelid = to_regclass(%s) AND c.contype = 'f' ORDER BY c.conname",
        [_quote(table)],
    )
    return list(cursor.fetchall())


def _referencing_keys(cursor: CursorWrapper, table: str) -> list[str]:
    cursor.execute(
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
        "WHERE confrelid = to_regclass(%s) AND contype = 'f'",
        [_quote(table)],
    )
    return [row[0] for row in cursor.fetchall()]


def _triggers(cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
        [_quote(table)],
    )
    return list(cursor.fetchall())


def _sequence_state(cursor: CursorWrapper, table: str) -> tuple[int, bool]:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_quote(table)])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
    last_value, is_called = cursor.fetchone()
    return last_value, is_called


CATCH_UP_ROUNDS = 10
CATCH_UP_ENOUGH = 1_000  # rows noted in a round below which the rest is left for the swap under lock


def _copy_noted_rows(cursor: CursorWrapper, table: str, new: str, log: str) -> int:
    """Copy the rows noted as written (their current state, or their absence) from `table` into `new`, and take
    their ids off the note; how many there were."""
    quote = _quote
    cursor.execute(f"DELETE FROM {quote(log)} RETURNING id")  # noqa: S608
    ids = [row[0] for row in cursor.fetchall()]
    if ids:
        cursor.execute(f"DELETE FROM {quote(new)} WHERE id = ANY(%s)", [ids])  # noqa: S608
        cursor.execute(f"INSERT INTO {quote(new)} SELECT * FROM {quote(table)} WHERE id = ANY(%s)", [ids])  # noqa: S608
    return len(ids)


def convert_to_partitioned(
    table: str,
    column: str,
    *,
    unique_moved: Iterable[str] = (),
    months_ahead: int = MONTHS_AHEAD,
    batch_rows: int = COPY_BATCH_ROWS,
    now: datetime.datetime | None = None,
    connection: BaseDatabaseWrapper = default_connection,
    progress: Callable[[Conversion], None] | None = None,
) -> Conversion:
    """Make `table` (a plain table with a bigint `id` key) partitioned by month on `column`, keeping its rows,
    columns, defaults, check constraints, indexes, foreign keys, triggers and id sequence.

    Online: writes continue while the rows are copied in batches of `batch_rows` (each its own transaction), a
    trigger noting every row written meanwhile; the noted rows are copied again in catch-up rounds while writes go
    on, and the last few under an exclusive lock of the table, where the tables swap names. Only that last step
    blocks the table (`Conversion.lock_seconds`; docs/partitioning.md has it measured at 10M rows).
    Must run outside a transaction (a migration with atomic = False) to be online; inside one, it still works,
    all at once.

    The primary key becomes (id, column). A unique index without the partition column cannot be kept: each must
    be named in `unique_moved` (its uniqueness enforced elsewhere, a key table) or the conversion refuses. A foreign
    key of another table to this one must have been dropped before (PostgreSQL cannot point one at a partitioned
    table by id alone)."""
    began = time.monotonic()
    result = Conversion(table=table)
    if is_partitioned(table, connection=connection):
        result.skipped = True
        return result
    quote = connection.ops.quote_name
    new, log = f"{table}__partitioned", f"{table}__written"
    note_function, note_trigger = f"{table}__note_written", f"{table}__note_written"
    sequence = f"{table}_id_seq"
    unique_moved = set(unique_moved)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        referencing = _referencing_keys(cursor, table)
        if referencing:
            raise ValueError(f"{table}: foreign keys point at it ({', '.join(referencing)}); drop them first")
        indexes = _index_definitions(cursor, table)
        for name, definition, is_unique, _constraint in indexes:
            columns = definition[definition.index("(") :]
            if is_unique and quote(column) not in columns and column not in columns and name not in unique_moved:
                raise ValueError(f"{table}: unique index {name} lacks {column}; move it to a key table first")
        # Note every row written from now on (its id): those are copied again (catch-up rounds, then the swap).
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {quote(log)} (id bigint PRIMARY KEY)")
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {quote(note_function)}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
            f"IF TG_OP = 'DELETE' THEN INSERT INTO {quote(log)} VALUES (OLD.id) ON CONFLICT DO NOTHING; "
            f"ELSE INSERT INTO {quote(log)} VALUES (NEW.id) ON CONFLICT DO NOTHING; END IF; RETURN NULL; END $$"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {quote(note_trigger)} ON {quote(table)}")
        cursor.execute(
            f"CREATE TRIGGER {quote(note_trigger)} AFTER INSERT OR UPDATE OR DELETE ON {quote(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {quote(note_function)}()"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {quote(new)}")
        cursor.execute(
            f"CREATE TABLE {quote(new)} (LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({quote(column)})"
        )
        cursor.execute(f"ALTER TABLE {quote(new)} ADD PRIMARY KEY (id, {quote(column)})")
        cursor.execute(
            f"SELECT min({quote(column)}), max({quote(column)}), max(id), count(*) FROM {quote(table)}"  # noqa: S608
        )
        first, last, last_id, _count = cursor.fetchone()
    current = month_start(now or timezone.now())
    first_month = month_start(first) if first is not None else current
    last_month = max(add_months(current, months_ahead), month_start(last) if last is not None else current)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        month = first_month
        while month <= last_month:
            start, end = month_bounds(month)
            cursor.execute(
                f"CREATE TABLE {quote(partition_name(table, month))} PARTITION OF {quote(new)} "
                "FOR VALUES FROM (%s) TO (%s)",
                [start.isoformat(), end.isoformat()],
            )
            result.months += 1
            month = add_months(month, 1)
        cursor.execute(f"CREATE TABLE {quote(default_partition_name(table))} PARTITION OF {quote(new)} DEFAULT")
    # Copy in batches of ids: each batch commits, writes to the table go on meanwhile (and are noted).
    low = 0
    while last_id is not None and low < last_id:
        high = low + batch_rows
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(new)} SELECT * FROM {quote(table)} WHERE id > %s AND id <= %s",  # noqa: S608
                [low, high],
            )
            result.rows += cursor.rowcount
        result.batches += 1
        low = high
        if progress is not None:
            progress(result)
    # Indexes and foreign keys on the copy, before the lock (their build does not block the old table).
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name, definition, is_unique, constraint in indexes:
            if is_unique and name in unique_moved:
                result.dropped_unique.append(name)
                continue
            if constraint is not None:
                cursor.execute(f"ALTER TABLE {quote(new)} ADD CONSTRAINT {quote(name + '__p')} {constraint}")
                continue
            statement = definition.replace(f"INDEX {quote(name)} ", f"INDEX {quote(name + '__p')} ", 1)
            statement = statement.replace(f"INDEX {name} ", f"INDEX {quote(name + '__p')} ", 1)
            statement = re.sub(r" ON (ONLY )?\S+ USING ", f" ON {quote(new)} USING ", statement, count=1)
            cursor.execute(statement)
        for name, definition, referenced in _foreign_keys(cursor, table):
            if referenced.split(".")[-1].strip('"') == table:
                continue  # a key of the table to itself: not possible on a partitioned table
            cursor.execute(f"ALTER TABLE {quote(new)} ADD CONSTRAINT {quote(name + '__p')} {definition}")
        triggers = [(name, definition) for name, definition in _triggers(cursor, table) if name != note_trigger]
    # Catch up while writes go on: the rows written since their batch was copied are copied again, their ids taken
    # off the note (a row written once more meanwhile is noted again), until few are left for the lock.
    name_partition_indexes(new, connection=connection)
    for _round in range(CATCH_UP_ROUNDS):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            caught_up = _copy_noted_rows(cursor, table, new, log)
        if caught_up < CATCH_UP_ENOUGH:
            break
    # The swap: the rows noted since the last round are copied again under the lock, then the names change hands.
    locked = time.monotonic()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
        _copy_noted_rows(cursor, table, new, log)
        last_value, is_called = _sequence_state(cursor, table)
        cursor.execute(
            "SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'id'",
            [quote(table)],
        )
        is_identity = cursor.fetchone()[0]
        if not is_identity:  # a sequence of its own (a table made plain again): the copy's default uses it already
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
            cursor.execute(f"ALTER SEQUENCE {cursor.fetchone()[0]} OWNED BY NONE")
        # Foreign key checks this transaction deferred (Django's keys are INITIALLY DEFERRED) run now: a table with
        # pending checks cannot be dropped. Deferred again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TRIGGER {quote(note_trigger)} ON {quote(table)}")
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"DROP TABLE {quote(log)}")
        cursor.execute(f"DROP FUNCTION {quote(note_function)}()")
        cursor.execute(f"ALTER TABLE {quote(new)} RENAME TO {quote(table)}")
        cursor.execute(
            f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(new + '_pkey')} TO {quote(table + '_pkey')}"
        )
        for name, _definition, is_unique, constraint in indexes:
            if is_unique and name in unique_moved:
                continue
            if constraint is not None:
                cursor.execute(f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name + '__p')} TO {quote(name)}")
            else:
                cursor.execute(f"ALTER INDEX {quote(name + '__p')} RENAME TO {quote(name)}")
        for name, _definition, _referenced in _foreign_keys(cursor, table):
            cursor.execute(f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(name[:-3])}")
        if is_identity:  # the identity's sequence went with the old table: a sequence of its own, where it was
            cursor.execute(f"CREATE SEQUENCE {quote(sequence)} OWNED BY {quote(table)}.id")
            cursor.execute("SELECT setval(%s, %s, %s)", [quote(sequence), last_value, is_called])
            cursor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)", [quote(sequence)]
            )
        else:
            cursor.execute(f"ALTER SEQUENCE {quote(sequence)} OWNED BY {quote(table)}.id")
        for _name, definition in triggers:
            cursor.execute(re.sub(r" ON \S+ ", f" ON {quote(table)} ", definition, count=1))
        name_partition_indexes(table, connection=connection)
    result.lock_seconds = time.monotonic() - locked
    result.total_seconds = time.monotonic() - began
    return result


def backfill_key_table(
    *, source: str, target: str, columns: str, select: str, connection: BaseDatabaseWrapper, batch_rows: int
) -> int:
    """Copy the key columns of an existing table's rows into its key table, in batches of ids (each its own
    transaction); rows the insert trigger wrote already are kept. The rows copied."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {quote(source)}")  # noqa: S608
        last_id = cursor.fetchone()[0] or 0
    copied, low = 0, 0
    while low < last_id:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(target)} ({columns}) SELECT {select} FROM {quote(source)} "  # noqa: S608
                "WHERE id > %s AND id <= %s ON CONFLICT DO NOTHING",
                [low, low + batch_rows],
            )
            copied += cursor.rowcount
        low += batch_rows
    return copied


def convert_to_plain(table: str, *, connection: BaseDatabaseWrapper = default_connection) -> bool:
    """The way back of convert_to_partitioned, for a migration run backwards: one plain table with every row, the
    primary key (id), the indexes, check and unique constraints, foreign keys, triggers and the id sequence. Done
    in one transaction, the table locked throughout (a rollback path, not an online one). False when the table
    was plain already."""
    if not is_partitioned(table, connection=connection):
        return False
    quote = connection.ops.quote_name
    plain = f"{table}__plain"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
        indexes = _index_definitions(cursor, table)
        foreign_keys = _foreign_keys(cursor, table)
        triggers = _triggers(cursor, table)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE {quote(plain)} (LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMMENTS)"
        )
        cursor.execute(f"INSERT INTO {quote(plain)} SELECT * FROM {quote(table)}")  # noqa: S608
        cursor.execute(f"ALTER TABLE {quote(plain)} ADD CONSTRAINT {quote(plain + '_pkey')} PRIMARY KEY (id)")
        for name, definition, _is_unique, constraint in indexes:
            if constraint is not None:
                cursor.execute(f"ALTER TABLE {quote(plain)} ADD CONSTRAINT {quote(name + '__p')} {constraint}")
                continue
            statement = definition.replace(f"INDEX {quote(name)} ", f"INDEX {quote(name + '__p')} ", 1)
            statement = statement.replace(f"INDEX {name} ", f"INDEX {quote(name + '__p')} ", 1)
            cursor.execute(re.sub(r" ON (ONLY )?\S+ USING ", f" ON {quote(plain)} USING ", statement, count=1))
        for name, definition, _referenced in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(plain)} ADD CONSTRAINT {quote(name + '__p')} {definition}")
        if sequence is not None:
            cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER TABLE {quote(plain)} RENAME TO {quote(table)}")
        cursor.execute(
            f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(plain + '_pkey')} TO {quote(table + '_pkey')}"
        )
        for name, _definition, _is_unique, constraint in indexes:
            if constraint is not None:
                cursor.execute(f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name + '__p')} TO {quote(name)}")
            else:
                cursor.execute(f"ALTER INDEX {quote(name + '__p')} RENAME TO {quote(name)}")
        for name, _definition, _referenced in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name + '__p')} TO {quote(name)}")
        if sequence is not None:
            cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY {quote(table)}.id")
        for _name, definition in triggers:
            cursor.execute(re.sub(r" ON \S+ ", f" ON {quote(table)} ", definition, count=1))
    return True


def partition_operation(label: str, column: str, *, unique_moved: tuple[str, ...] = ()) -> object:
    """A migration operation (RunPython) that converts the model's table with convert_to_partitioned (for a
    migration with atomic = False, so that an existing chain's table is copied in batches while writes go on), and
    back to a plain table with convert_to_plain when the migration is run backwards (the unique constraints that
    moved to a key table are the migration's to restore: a RunSQL with reverse_sql before this operation)."""
    from django.db import migrations

    def table_of(historical_apps: object) -> str:
        model = historical_apps.get_model(label)  # type: ignore[attr-defined]  # django.apps.registry.Apps of the migration's state
        return str(model._meta.db_table)

    def forwards(historical_apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
        convert_to_partitioned(
            table_of(historical_apps), column, unique_moved=unique_moved, connection=schema_editor.connection
        )

    def backwards(historical_apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
        convert_to_plain(table_of(historical_apps), connection=schema_editor.connection)

    return migrations.RunPython(forwards, backwards, elidable=False)
