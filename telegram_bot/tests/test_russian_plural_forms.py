"""Guests read counts of points in proper Russian: 1 балл, 2 балла, 5 баллов, 11 баллов, 21 балл, 1 540 баллов
(the form follows the number, the text keeps the thousands grouping)."""

from __future__ import annotations

import pytest
from django.utils import translation

from loyalty.models import EntryKind
from loyalty.services import accrue_points, update_program_settings
from telegram_bot.models import TelegramChat
from telegram_bot.services.notifications import birthday_text, receipt_text

from .conftest import callback_update

RUSSIAN_COUNTS = [
    (1, "1 балл"),
    (2, "2 балла"),
    (5, "5 баллов"),
    (11, "11 баллов"),
    (21, "21 балл"),
    (1540, "1\u202f540 баллов"),
]


@pytest.mark.parametrize(("points", "words"), RUSSIAN_COUNTS)
def test_receipt_text_in_russian_agrees_with_the_number(points, words):
    with translation.override("ru"):
        text = receipt_text(earned=points, spent=points, available=points)

    assert text == f"+{words} · −{words} · баланс {words.split(' ', 1)[0]}"


@pytest.mark.parametrize(("points", "words"), RUSSIAN_COUNTS)
def test_birthday_text_in_russian_agrees_with_the_number(points, words):
    with translation.override("ru"):
        text = birthday_text(points)

    assert text == f"С днём рождения! Мы начислили на вашу карту {words}."


def test_english_keeps_its_singular_and_plural():
    with translation.override("en"):
        assert receipt_text(earned=1, spent=0, available=1) == "+1 point · balance 1"
        assert birthday_text(2) == "Happy birthday! We have added 2 points to your card."


@pytest.mark.parametrize(("points", "words"), RUSSIAN_COUNTS)
def test_balance_in_the_bot_in_russian_agrees_with_the_number(
    points, words, alpha, telegram_api, send_update, linked_guest
):
    chat_id = 5570000 + points
    guest = linked_guest(f"+7916333{points:04d}", chat_id)
    TelegramChat.objects.filter(chat_id=chat_id).update(language="ru")
    accrue_points(guest=guest, points=points, kind=EntryKind.BIRTHDAY, idempotency_key=f"ru{points}", reason="gift")

    send_update(callback_update(chat_id, "bal"))

    assert telegram_api.texts(chat_id)[-1].splitlines()[0] == f"Баланс: {words}"


def test_pending_points_line_in_russian_agrees_with_the_number(alpha, telegram_api, send_update, linked_guest):
    update_program_settings(actor=None, changes={"activation_delay_hours": 24})
    guest = linked_guest("+79163339003", 5579003)
    TelegramChat.objects.filter(chat_id=5579003).update(language="ru")
    accrue_points(guest=guest, points=1, kind=EntryKind.BIRTHDAY, idempotency_key="ru-bonus", reason="gift")
    accrue_points(guest=guest, points=22, kind=EntryKind.ACCRUAL, idempotency_key="ru-pending", reason="check")

    send_update(callback_update(5579003, "bal"))

    assert telegram_api.texts(5579003)[-1].splitlines()[:2] == ["Баланс: 1 балл", "Ожидают начисления: 22 балла"]
