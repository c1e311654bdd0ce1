"""Scheduled work reaches every served chain once, each copy inside its own schema."""

from celery import shared_task
from django.db import connection

from tenants.tasks import run_in_every_chain

seen: list[str] = []


@shared_task(name="tests.record_schema")
def record_schema() -> None:
    seen.append(connection.schema_name)


def test_run_in_every_chain_sends_one_task_per_chain_in_its_schema(worlds, db):
    seen.clear()
    sent = run_in_every_chain("tests.record_schema")
    assert sent == len(seen)
    assert {"alpha", "beta"} <= set(seen)
    assert "public" not in seen
