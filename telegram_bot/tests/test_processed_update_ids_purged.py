"""Update ids are kept for Telegram's redelivery window only: a nightly job per chain forgets older ones."""

from __future__ import annotations

import datetime

from django.utils import timezone

from telegram_bot.models import ProcessedUpdate
from telegram_bot.services.updates import forget_processed_updates, take_in_update


def test_old_update_ids_go_and_recent_ones_still_stop_a_redelivery(alpha, settings):
    assert take_in_update(update={"update_id": 9001})
    assert take_in_update(update={"update_id": 9002})
    ProcessedUpdate.objects.filter(update_id=9001).update(received_at=timezone.now() - datetime.timedelta(days=3))
    assert forget_processed_updates() == 1
    assert not take_in_update(update={"update_id": 9002})  # still recognised as a repeat
    entry = settings.CELERY_BEAT_SCHEDULE["telegram-updates-purge"]
    assert entry["args"] == ["telegram_bot.tasks.forget_old_updates"]
