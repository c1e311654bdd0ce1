"""Celery tasks of the wallet: a few lines each, calling a service, in the chain's schema (the messaging queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from wallet.services import update_changed_cards, update_google_class

RETRY_SECONDS = (30, 60, 120, 300, 600)


@shared_task(bind=True, acks_late=True, max_retries=len(RETRY_SECONDS))
def update_wallet_cards(self: Any) -> int:
    """A round of wallet card updates, queued a few seconds after a chain's first balance change of a burst; while
    some cards could not be delivered (APNs or Google unreachable; they stay marked) the round is tried again."""
    result = update_changed_cards()
    if result.cards_failed:
        if not self.request.is_eager:
            raise self.retry(countdown=RETRY_SECONDS[min(self.request.retries, len(RETRY_SECONDS) - 1)])
        for _attempt in RETRY_SECONDS:  # eager (tests, no broker): nothing can hold a countdown
            result = update_changed_cards()
            if not result.cards_failed:
                break
    return result.cards_changed


@shared_task(bind=True, acks_late=True, max_retries=len(RETRY_SECONDS))
def update_wallet_class(self: Any) -> bool:
    """The chain's Google loyalty class sent again after its name, logo or card colours changed; tried again
    while Google is unreachable or refuses."""
    if update_google_class() or self.request.is_eager:
        return True
    raise self.retry(countdown=RETRY_SECONDS[min(self.request.retries, len(RETRY_SECONDS) - 1)])
