"""Keeps the cached program (settings, levels, promos) fresh (ORM signals: cache invalidation only), and gives the
welcome bonus to new guests inside their registration (guests.events.guest_registering says why)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.actors import Actor
from guests.events import guest_registering
from loyalty.models import Level, ProgramSettings, Promo, PromoCode
from loyalty.selectors import forget_program_cache


def _forget(**_kwargs: Any) -> None:
    # Now (this transaction reads its own change) and after commit (another process may have cached the old
    # row in between).
    forget_program_cache()
    transaction.on_commit(forget_program_cache)


for _model in (ProgramSettings, Level, Promo, PromoCode):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"loyalty-forget-{_model.__name__}-save")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"loyalty-forget-{_model.__name__}-delete")
for _through in (Promo.restaurants.through, Promo.levels.through):
    m2m_changed.connect(_forget, sender=_through, dispatch_uid=f"loyalty-forget-{_through.__name__}")


@receiver(guest_registering, dispatch_uid="loyalty-welcome-bonus")
def give_welcome_bonus(sender: Any, guest: Any, actor: Actor = None, **_kwargs: Any) -> None:
    from loyalty.services import grant_welcome_bonus

    grant_welcome_bonus(guest=guest, actor=actor)
