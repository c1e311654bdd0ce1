"""The loyalty program's own news reaches linked guests: level changes and expiry warnings from the outbox,
the birthday bonus at once; guests who turned notifications off are skipped."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from loyalty.models import EntryKind, NotificationKind, NotificationOutbox, NotificationStatus
from loyalty.selectors import chain_today
from loyalty.services import accrue_points, create_level, update_program_settings
from loyalty.tasks import grant_birthday_bonuses_task, reevaluate_levels_task
from telegram_bot.models import TelegramChat
from telegram_bot.tasks import telegram_chain_tick
from tests.checks import CheckSpec, committed_effects, send_checks

CHAT = 5620001


def test_outbox_level_change_and_expiry_warning_are_sent(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79168880001", CHAT)
    NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Gold", "is_upgrade": True}
    )
    NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.POINTS_EXPIRING, payload={"points": 300, "last_day": "2026-12-01"}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert telegram_api.texts(CHAT) == [
        "Congratulations! Your level is now Gold.",
        "300 points expire after Dec. 1, 2026. Come and spend them!",
    ]
    assert set(NotificationOutbox.objects.filter(guest=guest).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


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


def test_birthday_bonus_is_announced(alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks):
    guest = linked_guest("+79168880003", CHAT)

    with django_capture_on_commit_callbacks(execute=True):
        accrue_points(guest=guest, points=500, kind=EntryKind.BIRTHDAY, idempotency_key="birthday:2026")

    assert telegram_api.texts(CHAT) == ["Happy birthday! We have added 500 points to your card."]


def test_birthday_bonus_granted_by_the_nightly_task_is_announced(alpha, alpha_bot, telegram_api, linked_guest):
    """The nightly job grants the bonus; the message follows from its points_granted event, after commit."""
    today = chain_today()
    birthday = today.replace(year=1991) if (today.month, today.day) != (2, 29) else today.replace(year=1992)
    update_program_settings(actor=None, changes={"birthday_bonus_points": 700})
    linked_guest("+79168880004", CHAT, birthday=birthday)

    with committed_effects():
        assert grant_birthday_bonuses_task.apply().get() == 1

    assert telegram_api.texts(CHAT) == ["Happy birthday! We have added 700 points to your card."]


def test_a_level_moved_by_the_nightly_job_reaches_the_guest(alpha, alpha_bot, telegram_api, linked_guest):
    """Checks through the POS drain, then a lower threshold: the nightly job moves the guest up, and the next tick
    sends the news (the level change is written with its outbox row in the job's transaction)."""
    update_program_settings(actor=None, changes={"level_threshold_mode": "lifetime"})
    guest = linked_guest("+79168880005", CHAT)
    send_checks(alpha, [CheckSpec(total_amount="3000.00", guest=guest, closed_at=timezone.now())])
    create_level(actor=None, name="Gold", threshold_amount=Decimal(2000), earn_rate_percent=Decimal(10))

    with committed_effects():
        assert reevaluate_levels_task.apply().get() == 1
        telegram_chain_tick()

    assert telegram_api.texts(CHAT)[-1] == "Congratulations! Your level is now Gold."
