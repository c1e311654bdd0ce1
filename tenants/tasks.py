"""Scheduled work: run_in_every_chain sends a task into each chain's schema; platform-level jobs run as they are."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import schema_context

from maxloyalty.task_queue import registered_task
from tenants import signup
from tenants.partitions import maintain_chain_partitions
from tenants.selectors import served_chains


@shared_task
def run_in_every_chain(task_name: str, **kwargs: object) -> int:
    """Send `task_name` once per served chain; tenant-schemas-celery runs each copy inside that chain's schema."""
    task = registered_task(task_name)
    sent = 0
    for schema_name in served_chains().values_list("schema_name", flat=True):
        with schema_context(schema_name):
            task.apply_async(kwargs=kwargs)
        sent += 1
    return sent


@shared_task
def purge_expired_signups() -> int:
    """Hourly (platform level): unconfirmed sign-ups past their link's lifetime are deleted, freeing addresses."""
    return signup.purge_expired_signups()


@shared_task
def maintain_partitions_task() -> list[str]:
    """Nightly per chain: the coming months' partitions made, default partitions drained; the partitions made."""
    return maintain_chain_partitions().created
