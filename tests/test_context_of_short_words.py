"""Short words that Russian says differently by what they describe (pgettext): the sign-in page is «Вход», its
button elsewhere «Войти»; a cancelled payment is «Отменён», a cancelled subscription or broadcast «Отменена»;
pending payment vs points waiting to become spendable."""

from __future__ import annotations

import re

from django.utils import translation

from billing.models import PaymentStatus, State
from telegram_bot.models import BroadcastStatus
from tests.fixtures import client_on


def _texts(html: str, tag: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, re.S)]


def test_sign_in_page_title_and_sign_in_button_read_differently_in_russian(alpha):
    sign_in = client_on(alpha.host, language="ru").get("/accounts/login/").content.decode()
    reset_done = client_on(alpha.host, language="ru").get("/accounts/password/reset/complete/").content.decode()

    assert _texts(sign_in, "h1") == ["Вход"]
    assert "<title>Вход" in sign_in
    assert "Войти" in _texts(reset_done, "a")


def test_sign_in_reads_the_same_in_english(alpha):
    reset_done = client_on(alpha.host, language="en").get("/accounts/password/reset/complete/").content.decode()
    sign_in = client_on(alpha.host, language="en").get("/accounts/login/").content.decode()

    assert _texts(sign_in, "h1") == ["Sign in"]
    assert "Sign in" in _texts(reset_done, "a")


def test_statuses_agree_with_what_they_describe_in_russian():
    with translation.override("ru"):
        labels = [
            str(PaymentStatus.CANCELLED.label),
            str(State.CANCELLED.label),
            str(BroadcastStatus.CANCELLED.label),
            str(PaymentStatus.PENDING.label),
            str(State.ACTIVE.label),
        ]

    assert labels == ["Отменён", "Отменена", "Отменена", "В обработке", "Активна"]
