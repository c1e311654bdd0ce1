"""A broadcast reaches exactly the consenting, reachable guests of its segment; it can be cancelled."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guests.models import Guest
from telegram_bot.models import Broadcast, BroadcastStatus, TelegramChat
from telegram_bot.services import cancel_broadcast, create_broadcast
from tests.fixtures import signed_in_client


def test_broadcast_reaches_exactly_the_consenting_guests_of_the_segment(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    in_segment = linked_guest("+79165550001", 601, tags=["vip"])
    linked_guest("+79165550002", 602, consent=False, tags=["vip"])  # no marketing consent
    linked_guest("+79165550003", 603, tags=["regular"])  # other segment
    blocked_bot = linked_guest("+79165550004", 604, tags=["vip"])
    TelegramChat.objects.filter(guest=blocked_bot).update(unreachable_at=timezone.now())
    also_in = linked_guest("+79165550005", 605, tags=["vip", "wine"], birthday=datetime.date(1990, 5, 3))
    Guest.objects.filter(pk=also_in.pk).update(last_visit_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        broadcast = create_broadcast(
            actor=alpha.user("admin"),
            text="Wine night on Friday",
            tags=["vip"],
            button_text="Book",
            button_url="https://example.com/book",
        )

    recipients = sorted(int(call.params["chat_id"]) for call in telegram_api.sent("sendMessage"))
    assert recipients == [in_segment.telegram_chat_id, also_in.telegram_chat_id]
    assert all("https://example.com/book" in call.params["reply_markup"] for call in telegram_api.sent("sendMessage"))
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.total, broadcast.sent, broadcast.failed) == (BroadcastStatus.DONE, 2, 2, 0)


def test_birthday_month_and_last_visit_narrow_the_segment(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    may = linked_guest("+79165550011", 611, birthday=datetime.date(1990, 5, 3))
    linked_guest("+79165550012", 612, birthday=datetime.date(1990, 6, 3))
    Guest.objects.filter(pk=may.pk).update(last_visit_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        create_broadcast(actor=None, text="May birthdays", birthday_month=5, last_visit_from=timezone.now().date())

    assert [int(call.params["chat_id"]) for call in telegram_api.sent("sendMessage")] == [611]


def test_scheduled_broadcast_is_cancelled_before_it_goes(alpha, alpha_bot, telegram_api, linked_guest):
    linked_guest("+79165550021", 621)
    broadcast = create_broadcast(actor=None, text="Later", send_at=timezone.now() + datetime.timedelta(hours=2))

    cancel_broadcast(broadcast=broadcast, actor=None)

    from telegram_bot.tasks import telegram_chain_tick

    telegram_chain_tick()
    assert Broadcast.objects.get(pk=broadcast.pk).status == BroadcastStatus.CANCELLED
    assert telegram_api.sent("sendMessage") == []


def test_admin_creates_a_broadcast_on_its_page_and_sees_the_counts(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    linked_guest("+79165550031", 631)
    client = signed_in_client(alpha, "admin")

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/settings/telegram/broadcasts/", {"text": "Hello all"})
    response = client.get(created["Location"])

    assert response.status_code == 200
    assert "Hello all" in response.content.decode() and "Done" in response.content.decode()
    assert [int(call.params["chat_id"]) for call in telegram_api.sent("sendMessage")] == [631]
