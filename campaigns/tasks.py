"""Celery tasks of campaigns: a few lines each, calling campaigns.sending, in the chain's schema (messaging queue)."""

from __future__ import annotations

from celery import shared_task

from campaigns.sending import send_campaign_batch as send_batch
from campaigns.sending import start_due_campaigns


@shared_task(acks_late=True)
def send_campaign_batch(campaign_id: int, holds: int = 0) -> int:
    return send_batch(campaign_id=campaign_id, holds=holds)


@shared_task(acks_late=True)
def campaigns_chain_tick() -> int:
    """Once a minute per chain: scheduled campaigns whose moment has come."""
    return start_due_campaigns()
