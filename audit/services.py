"""The audit writer: every staff action that changes data calls record_audit inside its transaction."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.models import AuditEntry
from maxloyalty.db.retention import drop_expired_months
from maxloyalty.request_context import current_client_ip, current_request_id

if TYPE_CHECKING:
    from accounts.actors import Actor


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def record_audit(
    *,
    action: str,
    actor: Actor,
    target: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    restaurant_id: int | None = None,
) -> AuditEntry:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=getattr(actor, "email", "") if is_user else "system",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        changes=_jsonable(changes or {}),
        data=_jsonable(data or {}),
        reason=reason,
        restaurant_id=restaurant_id,
        ip_address=_valid_ip(current_client_ip.get()),
        request_id=current_request_id.get() if current_request_id.get() != "-" else "",
    )


def purge_expired_entries(*, now: datetime | None = None) -> int:
    """Remove this chain's audit entries older than AUDIT_RETENTION_DAYS; returns how many went. Whole months go
    by dropping their partition; the few left past the cutoff (the days of the month it falls in, rows in the
    default partition) are deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    dropped = drop_expired_months(AuditEntry._meta.db_table, cutoff)
    deleted, _ = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return dropped + deleted
