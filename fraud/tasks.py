"""Celery tasks of the fraud rules: a few lines each, calling fraud.services, in the chain's schema.

- check_guests_task: queued after checks (for every guest waiting) and refunds (for theirs) are written
  (fraud.signals), the per-guest rules;
- fraud_night: hourly per chain; in the chain's NIGHT_HOUR it runs the staff rules;
- send_flag_alerts: queued after new flags commit, the owner's email (messaging queue, within a minute).
"""

from __future__ import annotations

from celery import shared_task

from fraud import services
from loyalty.selectors import local_now

NIGHT_HOUR = 4  # chain-local: after loyalty's night (3 a.m.), before the first checks


@shared_task(acks_late=True)
def check_guests_task(guest_ids: list[int] | None = None, after_refund: bool = False) -> int:
    if guest_ids is None:  # queued by note_checked_guests: every guest waiting
        return services.check_pending_guests()
    return len(services.check_guests(guest_ids=guest_ids, after_refund=after_refund))


@shared_task(acks_late=True)
def fraud_night(*, force: bool = False) -> int:
    if not force and local_now().hour != NIGHT_HOUR:
        return 0
    return len(services.check_staff())


@shared_task(acks_late=True)
def send_flag_alerts(flag_ids: list[int]) -> int:
    return services.send_flag_alerts(flag_ids=flag_ids)
