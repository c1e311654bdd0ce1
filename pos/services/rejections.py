"""Refused POS pushes: counted per connection (or sending address), reason and minute, and per address in Redis.

A flood of bad calls (wrong connection ids, bad signatures, bad tokens) must stay cheap: each refusal is one
INSERT ... ON CONFLICT DO UPDATE on the minute's row (count + 1, the call's details kept as the latest sample),
and once an address has been refused POS_REJECTIONS_PER_ADDRESS_PER_MINUTE times in a minute its calls are
answered 429 before anything is looked up (pos.inbound.InboundFloodGate).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from maxloyalty.request_context import current_client_ip, current_request_id
from observability.metrics import POS_REJECTED_ATTEMPTS
from pos.inbound import refused_addresses
from pos.models import RejectedAttempt

_COLUMNS = (
    "bucket",
    "endpoint",
    "reason",
    "minute",
    "count",
    "first_received_at",
    "received_at",
    "connection_id",
    "connection_ref",
    "http_status",
    "client_ip",
    "request_id",
    "body_sha256",
    "body_size",
    "external_id",
    "field_errors",
)
_SAMPLE: tuple[str, ...] = (
    "connection_id",
    "connection_ref",
    "http_status",
    "client_ip",
    "request_id",
    "body_sha256",
    "body_size",
)
_SAMPLE += ("external_id", "field_errors", "received_at")


def _upsert_sql() -> str:
    table = connection.ops.quote_name(RejectedAttempt._meta.db_table)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in _SAMPLE)
    columns, placeholders = ", ".join(_COLUMNS), ", ".join(["%s"] * len(_COLUMNS))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608  (our names; values bound)
    return insert + f"ON CONFLICT (bucket, endpoint, reason, minute) DO UPDATE SET count = {table}.count + 1, {updates}"


def record_rejected_attempt(
    *,
    endpoint: str,
    reason: str,
    http_status: int,
    connection_id: int | None,
    connection_ref: str,
    body: bytes,
    external_id: str = "",
    field_errors: dict[str, Any] | None = None,
) -> None:
    """Count a refused push in its minute's row: who, why, a fingerprint of the body. Never a header or a secret."""
    POS_REJECTED_ATTEMPTS.labels(endpoint=endpoint[:32], reason=reason[:64]).inc()
    address = _valid_ip(current_client_ip.get())
    refused_addresses.count(address)
    now = timezone.now()
    request_id = current_request_id.get()
    values: dict[str, Any] = {
        "bucket": f"c{connection_id}" if connection_id is not None else f"a{address or ''}",
        "endpoint": endpoint[:32],
        "reason": reason[:64],
        "minute": now.replace(second=0, microsecond=0),
        "count": 1,
        "first_received_at": now,
        "received_at": now,
        "connection_id": connection_id,
        "connection_ref": connection_ref[:64],
        "http_status": http_status,
        "client_ip": address,
        "request_id": request_id if request_id != "-" else "",
        "body_sha256": hashlib.sha256(body).hexdigest() if body else "",
        "body_size": len(body),
        "external_id": external_id[:128],
        "field_errors": Jsonb(json.loads(json.dumps(field_errors or {}, default=str))),
    }
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [values[column] for column in _COLUMNS])


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None
