"""Celery tasks of the guests app: thin wrappers running a service inside the chain's schema."""

from __future__ import annotations

from maxloyalty.celery import app


@app.task(acks_late=True)
def import_guests_job(job_id: int) -> None:
    from guests.services import run_import_job

    run_import_job(job_id=job_id)


@app.task(acks_late=True)
def export_guests_job(export_id: int) -> None:
    from guests.export_jobs import run_guest_export

    run_guest_export(export_id=export_id)


@app.task
def purge_old_guest_exports() -> None:
    from guests.export_jobs import purge_old_guest_exports as purge

    purge()


@app.task
def scan_for_duplicates(lock_token: str | None = None) -> int | None:
    from guests.duplicate_scans import scan_for_duplicates as scan

    done = scan(lock_token=lock_token)
    return done.pairs if done is not None else None
