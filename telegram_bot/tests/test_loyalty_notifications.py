"""The loyalty program's own news reaches linked guests: a move down from the outbox; guests who turned
notifications off are skipped. A move up, points about to expire and the birthday are the automations'
(automations/tests: test_level_automations.py, test_points_expiring_automation.py, test_birthday_automation.py)."""

from __future__ import annotations

from loyalty.models import NotificationKind, NotificationOutbox, NotificationStatus
from telegram_bot.models import TelegramChat
from telegram_bot.tasks import telegram_chain_tick

CHAT = 5620001


def test_outbox_level_down_is_sent_and_what_automations_announce_is_skipped(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    """A move down is still the bot's news; a move up and points about to expire are the automations' (their switch,
    channels and bonus decide, automations/tests), so the outbox leaves them: the guest hears once."""
    guest = linked_guest("+79168880001", CHAT)
    down = NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Silver", "is_upgrade": False}
    )
    up = NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Gold", "is_upgrade": True}
    )
    expiring = NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.POINTS_EXPIRING, payload={"points": 300, "last_day": "2026-12-01"}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert telegram_api.texts(CHAT) == ["Your level is now Silver."]
    assert NotificationOutbox.objects.get(pk=down.pk).status == NotificationStatus.SENT
    assert NotificationOutbox.objects.get(pk=up.pk).status == NotificationStatus.SKIPPED
    assert NotificationOutbox.objects.get(pk=expiring.pk).status == NotificationStatus.SKIPPED


def test_outbox_row_of_a_guest_with_notifications_off_is_skipped(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79168880002", CHAT)
    TelegramChat.objects.filter(guest=guest).update(notifications_enabled=False)
    row = NotificationOutbox.objects.create(guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "X"})

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert telegram_api.texts(CHAT) == []
    assert NotificationOutbox.objects.get(pk=row.pk).status == NotificationStatus.SKIPPED
