"""Receipts past RECEIPT_RETENTION_DAYS leave the database a month at a time: the month's rows (every column, the
raw payload as received) are written to the chain's files as gzipped JSON lines, and only once that file is stored
is the month's partition dropped, with the month's POS check id keys (docs/partitioning.md, "Retention").

The ledger keeps every entry and its own idempotency key (pos:<connection>:<operation>:<check id>), so a POS that
re-sends a check whose receipt was archived gets a new receipt that accrues nothing twice.
"""

from __future__ import annotations

import gzip
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from maxloyalty.chain_files import FileKind, save_chain_file
from maxloyalty.db.lock_wait import lock_wait_limit
from maxloyalty.db.partitions import Partition, drop_months_before, partitions
from pos.models import Receipt, ReceiptKey

logger = logging.getLogger(__name__)

FETCH_ROWS = 2_000  # rows read at a time from the month's partition (a server-side cursor)


@dataclass
class ReceiptRetention:
    """What a run did: the archive file of each dropped month, and the receipts archived."""

    archives: dict[str, str] = field(default_factory=dict)  # partition → stored file name
    receipts: int = 0


class PartitionChangedUnderUs(RuntimeError):
    """Another month than the one just archived would have been dropped: nothing is dropped this time."""


def archive_receipt_month(partition: Partition) -> tuple[str, int]:
    """Write the partition's receipts, one JSON object per line with every column, gzipped, into the current
    chain's files; (stored name, rows). Raises when the storage refuses the file (then nothing is dropped)."""
    assert partition.start is not None
    quote = connection.ops.quote_name
    rows = 0
    with tempfile.TemporaryFile() as spooled:
        with gzip.GzipFile(fileobj=spooled, mode="wb") as compressed, transaction.atomic():
            cursor = connection.chunked_cursor()
            try:
                cursor.execute(
                    f"SELECT row_to_json(r)::text FROM ONLY {quote(partition.name)} r ORDER BY r.id"  # noqa: S608
                )
                while batch := cursor.fetchmany(FETCH_ROWS):
                    for (line,) in batch:
                        compressed.write(line.encode() + b"\n")
                    rows += len(batch)
            finally:
                cursor.close()
        spooled.seek(0)
        name = save_chain_file(
            kind=FileKind.RECEIPT_ARCHIVE,
            name="receipts.jsonl.gz",
            content=File(spooled),
            stem=f"receipts-{partition.start:%Y-%m}-",
        )
    return name, rows


def archive_and_drop_old_receipts(*, now: datetime | None = None) -> ReceiptRetention:
    """The current chain's receipt months that ended RECEIPT_RETENTION_DAYS ago or earlier, oldest first: each
    archived to the chain's files, then (only then) its partition dropped and its POS check id keys deleted, in one
    short transaction. A failed archive write stops the run with that month and the younger ones kept."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RECEIPT_RETENTION_DAYS)
    table = Receipt._meta.db_table
    done = ReceiptRetention()
    for partition in partitions(table):
        if partition.is_default or partition.start is None or partition.end is None or partition.end > cutoff:
            continue
        name, rows = archive_receipt_month(partition)
        logger.info("receipts of %s: %s rows archived to %s", partition.name, rows, name)

        def only_the_archived(other: Partition, archived: str = partition.name) -> None:
            if other.name != archived:
                raise PartitionChangedUnderUs(other.name)

        with lock_wait_limit(), transaction.atomic():  # the receipts' lock: POS checks wait at most seconds
            ReceiptKey.objects.filter(received_at__gte=partition.start, received_at__lt=partition.end).delete()
            drop_months_before(table, partition.end, archive=only_the_archived)
        done.archives[partition.name] = name
        done.receipts += rows
    return done
