"""A guest who forgot their card claims the visit from Telegram: the pasted QR text of the receipt in the bot's chat,
or the QR scanned in the Mini App (its API trusts only initData signed for this chain's bot)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pos.models import ReceiptClaim
from pos.tests.claims import qr_text
from telegram_bot.init_data import sign_init_data
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_on

from .conftest import TOKEN, message_update

CHAT = 5570001
CLAIMS_URL = "/api/v1/telegram/mini-app/receipt-claims"


def _balance(guest) -> int:  # type: ignore[no-untyped-def]
    from loyalty.models import PointsAccount

    return PointsAccount.objects.filter(guest=guest).values_list("available", flat=True).first() or 0


def _init_data(user_id: int = CHAT, token: str = TOKEN) -> str:
    return sign_init_data(
        {"auth_date": str(int(time.time())), "user": {"id": user_id, "first_name": "I", "language_code": "en"}},
        bot_token=token,
    )


def _claim(world, qr: str, data: str | None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_X_TELEGRAM_INIT_DATA": data} if data is not None else {}
    return api_on(world.host).post(CLAIMS_URL, {"qr": qr}, format="json", **headers)


@pytest.fixture
def member(alpha, alpha_bot, linked_guest):  # type: ignore[no-untyped-def]
    return linked_guest("+79166670001", CHAT)


def test_a_pasted_receipt_qr_in_the_bot_accrues_the_visit(alpha, member, telegram_api, send_update):
    closed = timezone.now() - timedelta(hours=1)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed)])
    before = _balance(member)

    send_update(message_update(CHAT, qr_text(closed, document=51), language="en"))

    texts = telegram_api.texts(CHAT)
    assert any("50 points were added" in text for text in texts), texts
    assert any("+50 points" in text for text in texts), texts  # the usual notice of a check, as with the card
    assert _balance(member) == before + 50


def test_a_receipt_not_sent_yet_is_promised_and_kept(alpha, member, telegram_api, send_update):
    send_update(message_update(CHAT, qr_text(timezone.now(), amount="321.00", document=52), language="en"))
    assert "has not sent this receipt to us yet" in telegram_api.texts(CHAT)[-1]
    assert ReceiptClaim.objects.filter(guest=member, status="pending").count() == 1


def test_a_malformed_qr_in_the_bot_is_answered_with_the_reason(alpha, member, telegram_api, send_update):
    send_update(message_update(CHAT, "t=yesterday&s=100&fn=1&i=1&fp=1", language="en"))
    assert "not the QR code of a fiscal receipt" in telegram_api.texts(CHAT)[-1]
    assert not ReceiptClaim.objects.filter(guest=member).exists()


def test_the_mini_app_claims_with_valid_init_data(alpha, member):
    closed = timezone.now() - timedelta(hours=1)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed)])
    before = _balance(member)
    response = _claim(alpha, qr_text(closed, document=53), _init_data())
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["points_earned"]) == ("matched", 50)
    assert _balance(member) == before + 50
    again = _claim(alpha, qr_text(closed, document=53), _init_data())
    assert (again.status_code, again.json()["error"]["code"]) == (409, "receipt_already_claimed")
    assert _balance(member) == before + 50


@pytest.mark.parametrize("forged", ["", "tampered", "other-bot"])
def test_the_mini_app_refuses_forged_init_data_and_keeps_nothing(alpha, member, forged):
    data = {
        "": None,
        "tampered": _init_data()
        .replace(f"%22id%22%3A+{CHAT}", "%22id%22%3A+1")
        .replace(f"%22id%22%3A%20{CHAT}", "%22id%22%3A%201"),
        "other-bot": _init_data(token="999:other-chains-bot"),
    }[forged]
    response = _claim(alpha, qr_text(timezone.now(), document=54), data)
    assert response.status_code == 401
    assert not ReceiptClaim.objects.exists()


def test_a_malformed_qr_in_the_mini_app_is_a_422_naming_the_field(alpha, member):
    response = _claim(alpha, "not a receipt", _init_data())
    assert response.status_code == 422
    assert "qr" in response.json()["error"]["fields"]
