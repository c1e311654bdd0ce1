"""Celery tasks of the wallet: a few lines each, calling a service, in the chain's schema (the messaging queue)."""

from __future__ import annotations

from celery import shared_task

from wallet.services import update_changed_cards


@shared_task(acks_late=True)
def update_wallet_cards() -> int:
    """A round of wallet card updates, queued a few seconds after a chain's first balance change of a burst."""
    return update_changed_cards().cards_changed
