"""Cached billing answers are dropped when a plan or subscription changes."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import Plan, Subscription
from billing.selectors import snapshot_key


@receiver(post_save, sender=Subscription)
def _subscription_saved(sender: type[Subscription], instance: Subscription, **kwargs: Any) -> None:
    caches["platform"].delete(snapshot_key(instance.chain_id))


@receiver(post_save, sender=Plan)
def _plan_saved(sender: type[Plan], instance: Plan, **kwargs: Any) -> None:
    chain_ids = Subscription.objects.filter(plan=instance).values_list("chain_id", flat=True)
    caches["platform"].delete_many([snapshot_key(chain_id) for chain_id in chain_ids])
