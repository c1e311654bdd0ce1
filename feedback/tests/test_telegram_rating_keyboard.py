"""In Telegram the request carries a 1..5 keyboard: a press stores the visit's rating (a second press changes it),
the guest's next text becomes its comment, and a press naming someone else's request stores nothing."""

from __future__ import annotations

import json

from feedback.models import FeedbackRequest, VisitRating
from telegram_bot.tests.conftest import callback_update, message_update

CHAT = 5580001
OTHER_CHAT = 5580002


def _keyboard(telegram_api, chat_id):
    """The inline keyboard of the last message to the chat, as Telegram received it."""
    markup = telegram_api.sent(chat_id=chat_id)[-1].params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [[button["text"], button["callback_data"]] for row in markup["inline_keyboard"] for button in row]


def _asked_in_telegram(linked_guest, visit, run_tick, phone, chat_id):
    guest = linked_guest(phone, chat_id)
    check = visit(guest)
    run_tick()
    return guest, FeedbackRequest.objects.get(applied_check=check)


def test_the_request_arrives_with_five_score_buttons(
    alpha, alpha_bot, telegram_api, feedback_on, linked_guest, visit, run_tick
):
    _guest, request = _asked_in_telegram(linked_guest, visit, run_tick, "+79165550001", CHAT)

    assert request.channel == "telegram"
    assert telegram_api.texts(CHAT)[-1].startswith("How was your visit")
    assert _keyboard(telegram_api, CHAT) == [
        [str(score), f"rate:{request.message_id}:{score}"] for score in range(1, 6)
    ]


def test_a_pressed_score_is_the_visits_rating_and_a_second_press_changes_it(
    alpha, alpha_bot, telegram_api, feedback_on, linked_guest, visit, run_tick, send_update
):
    guest, request = _asked_in_telegram(linked_guest, visit, run_tick, "+79165550002", CHAT)

    send_update(callback_update(CHAT, f"rate:{request.message_id}:4"))
    send_update(callback_update(CHAT, f"rate:{request.message_id}:5"))

    rating = VisitRating.objects.get(guest=guest)
    assert (rating.score, rating.channel, rating.restaurant_id) == (5, "telegram", alpha.restaurants[0].pk)
    assert telegram_api.texts(CHAT)[-1].startswith("Thank you for your rating: 5 out of 5!")
    assert len(telegram_api.sent("answerCallbackQuery")) == 2


def test_the_next_text_after_a_rating_is_its_comment(
    alpha, alpha_bot, telegram_api, feedback_on, linked_guest, visit, run_tick, send_update
):
    guest, request = _asked_in_telegram(linked_guest, visit, run_tick, "+79165550003", CHAT)
    send_update(callback_update(CHAT, f"rate:{request.message_id}:2"))

    send_update(message_update(CHAT, "The soup was cold", language="en"))
    send_update(message_update(CHAT, "hello?", language="en"))  # later texts are ordinary chat again

    assert VisitRating.objects.get(guest=guest).comment == "The soup was cold"
    assert telegram_api.texts(CHAT)[-2] == "Thank you, we have passed your comment on to the restaurant."
    assert telegram_api.texts(CHAT)[-1].startswith("I did not understand that")


def test_a_press_naming_another_guests_request_stores_nothing(
    alpha, alpha_bot, telegram_api, feedback_on, linked_guest, visit, run_tick, send_update
):
    _guest, request = _asked_in_telegram(linked_guest, visit, run_tick, "+79165550004", CHAT)
    linked_guest("+79165550005", OTHER_CHAT)

    send_update(callback_update(OTHER_CHAT, f"rate:{request.message_id}:1"))

    assert VisitRating.objects.count() == 0
    assert telegram_api.texts(OTHER_CHAT)[-1] == "This rating link is not valid."
