"""The Mini App API trusts only initData signed for this chain's bot, fresh enough; anything else is 401."""

from __future__ import annotations

import time

import pytest

from telegram_bot.init_data import sign_init_data
from tests.fixtures import api_on

from .conftest import TOKEN

CHAT = 5600001


def init_data(user_id: int = CHAT, token: str = TOKEN, age: int = 0) -> str:
    return sign_init_data(
        {
            "auth_date": str(int(time.time()) - age),
            "query_id": "AAH",
            "user": {"id": user_id, "first_name": "I", "language_code": "en"},
        },
        bot_token=token,
    )


def get_me(world, data: str | None):
    headers = {"HTTP_X_TELEGRAM_INIT_DATA": data} if data is not None else {}
    return api_on(world.host).get("/api/v1/telegram/mini-app/me", **headers)


@pytest.fixture
def member(alpha, alpha_bot, linked_guest):
    return linked_guest("+79166660001", CHAT)


def test_valid_init_data_shows_the_guests_balance(alpha, member):
    from loyalty.models import EntryKind
    from loyalty.services import accrue_points

    accrue_points(guest=member, points=250, kind=EntryKind.BIRTHDAY, idempotency_key="b1")
    response = get_me(alpha, init_data())
    assert response.status_code == 200
    assert (response.json()["available"], response.json()["card_number"]) == (250, member.card_number)


def test_tampered_init_data_is_refused(alpha, member):
    data = (
        init_data().replace(f"%22id%22%3A+{CHAT}", "%22id%22%3A+1").replace(f"%22id%22%3A%20{CHAT}", "%22id%22%3A%201")
    )
    assert data != init_data()
    assert get_me(alpha, data).status_code == 401


def test_expired_init_data_is_refused(alpha, member, settings):
    settings.TELEGRAM_INIT_DATA_MAX_AGE_SECONDS = 3600
    assert get_me(alpha, init_data(age=3601)).status_code == 401
    assert get_me(alpha, init_data(age=60)).status_code == 200


def test_init_data_of_another_bot_is_refused(alpha, member):
    assert get_me(alpha, init_data(token="999:other-chains-bot")).status_code == 401


def test_missing_init_data_is_refused(alpha, member):
    assert get_me(alpha, None).status_code == 401


def test_guest_turns_notifications_off_from_the_mini_app(alpha, member):
    response = api_on(alpha.host).patch(
        "/api/v1/telegram/mini-app/me",
        {"notifications_enabled": False},
        format="json",
        HTTP_X_TELEGRAM_INIT_DATA=init_data(),
    )
    assert response.status_code == 200 and response.json()["notifications_enabled"] is False
