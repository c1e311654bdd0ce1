"""A processed check produces exactly one receipt message; guests who turned notifications off get none."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from loyalty.rules import Check
from loyalty.services import apply_check
from telegram_bot.models import Delivery, DeliveryStatus, TelegramChat
from tests.checks import CheckSpec, send_checks

CHAT = 5570001


def test_applied_check_sends_one_receipt(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79163330001", CHAT)
    check = Check(total_amount=Decimal(2000))

    with django_capture_on_commit_callbacks(execute=True):
        apply_check(guest=guest, check=check, restaurant=alpha.restaurants[0], idempotency_key="pos:tg1")
    with django_capture_on_commit_callbacks(execute=True):  # the POS retries the same check
        apply_check(guest=guest, check=check, restaurant=alpha.restaurants[0], idempotency_key="pos:tg1")

    texts = telegram_api.texts(CHAT)
    assert len(texts) == 1
    assert texts[0] == "+100 points · balance 100"
    assert Delivery.objects.get(guest=guest).status == DeliveryStatus.SENT


def test_no_receipt_when_notifications_are_off(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79163330002", CHAT)
    TelegramChat.objects.filter(guest=guest).update(notifications_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        apply_check(guest=guest, check=Check(total_amount=Decimal(500)), restaurant=None, idempotency_key="pos:tg2")

    assert telegram_api.texts(CHAT) == []


def test_a_check_processed_by_the_pos_drain_sends_one_receipt(alpha, alpha_bot, telegram_api, linked_guest):
    """The drain writes checks in batches (no ORM signals): the message follows from checks_applied, after commit."""
    guest = linked_guest("+79163330003", CHAT)

    check = CheckSpec(total_amount="1000.00", guest=guest, external_id="tg-drain-1", closed_at=timezone.now())
    send_checks(alpha, [check])
    send_checks(alpha, [check])  # the POS sends it again

    assert telegram_api.texts(CHAT) == ["+50 points · balance 50"]
