"""Nightly purge of audit entries past the retention period (AUDIT_RETENTION_DAYS)."""

from celery import shared_task

from audit.services import purge_expired_entries


@shared_task
def purge_expired_audit_entries() -> int:
    return purge_expired_entries()
