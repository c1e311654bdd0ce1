"""In a real browser, the Telegram Mini App page with a valid initData (as Telegram puts it in the URL fragment)
shows the guest's balance, card and level; without it, a hint to open the page from the bot. A guest who forgot
their card scans the receipt's QR with Telegram's scanner and is told what became of the claim."""

from __future__ import annotations

import datetime
import json
import time
import zoneinfo
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.browser import chain_url, committed, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TOKEN = "700200:AAH-mini-app-browser-token"
USER_ID = 5610001
PHONE = "+79167770001"


def _member(schema_name: str) -> int:
    from guests.models import Guest
    from guests.services import create_guest
    from loyalty.models import EntryKind
    from loyalty.services import accrue_points
    from maxloyalty.encryption import encrypt_text
    from telegram_bot.models import ChatState, TelegramBot, TelegramChat

    with schema_context(schema_name):
        TelegramBot.objects.create(
            token_encrypted=encrypt_text(TOKEN),
            bot_id=700200,
            username="alpha_browser_bot",
            webhook_secret_encrypted=encrypt_text("browser-secret"),
        )
        guest = create_guest(access=None, phone=PHONE, first_name="Anna", consents={"telegram": True})
        accrue_points(guest=guest, points=1540, kind=EntryKind.BIRTHDAY, idempotency_key="mini-app-browser")
        Guest.objects.filter(pk=guest.pk).update(telegram_chat_id=USER_ID)
        TelegramChat.objects.create(chat_id=USER_ID, user_id=USER_ID, guest=guest, state=ChatState.LINKED)
        return guest.pk


def _remove(schema_name: str, guest_id: int) -> None:
    with schema_context(schema_name), connection.cursor() as cursor:
        for table, column in (
            ("pos_receiptclaim", "guest_id"),
            ("telegram_bot_delivery", "guest_id"),
            ("telegram_bot_telegramchat", "guest_id"),
            ("audit_auditentry", "object_id"),
            ("loyalty_notificationoutbox", "guest_id"),
            ("loyalty_ledgerentry", "guest_id"),
            ("loyalty_pointsaccount", "guest_id"),
            ("guests_restaurantguest", "guest_id"),  # the restaurants the guest visited
            ("guests_guest", "id"),
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} = %s",  # noqa: S608  (fixed table names)
                [str(guest_id) if column == "object_id" else guest_id],
            )
        cursor.execute("DELETE FROM telegram_bot_telegrambot WHERE bot_id = 700200")


@pytest.fixture
def mini_app_member(worlds: Any, live_site: Any) -> Iterator[Any]:
    world = worlds["alpha"]
    guest_id = committed(lambda: _member(world.chain.schema_name))
    yield world
    committed(lambda: _remove(world.chain.schema_name, guest_id))


def test_mini_app_shows_the_balance_with_valid_init_data(mini_app_member, live_site, page):
    from telegram_bot.init_data import sign_init_data

    init_data = sign_init_data(
        {"auth_date": str(int(time.time())), "user": {"id": USER_ID, "first_name": "Anna", "language_code": "ru"}},
        bot_token=TOKEN,
    )
    theme = '{"bg_color":"#17212b","text_color":"#f5f5f5"}'
    fragment = f"#tgWebAppData={quote(init_data)}&tgWebAppThemeParams={quote(theme)}&tgWebAppVersion=7.0"

    page.goto(chain_url(live_site, mini_app_member.host, "/telegram/app/") + fragment)
    page.wait_for_selector("#card:not([hidden])")
    screenshot(page, "mini-app-balance")

    assert page.inner_text("#balance").replace("\u00a0", " ").replace("\u202f", " ") == "1 540"
    assert page.get_attribute("#qr", "src").startswith("data:image/svg+xml")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(23, 33, 43)"
    assert "Баллы" in page.inner_text("#card")


def test_mini_app_without_init_data_asks_to_open_it_from_the_bot(mini_app_member, live_site, page):
    page.goto(chain_url(live_site, mini_app_member.host, "/telegram/app/"))
    wait_until(page, "!document.getElementById('status').textContent.startsWith('Загрузка')")
    assert page.inner_text("#status") == "Откройте эту страницу из бота сети."
    assert page.is_hidden("#card")


def test_mini_app_claims_a_receipt_scanned_with_telegrams_qr_scanner(mini_app_member, live_site, page):
    from telegram_bot.init_data import sign_init_data

    init_data = sign_init_data(
        {"auth_date": str(int(time.time())), "user": {"id": USER_ID, "first_name": "Anna", "language_code": "ru"}},
        bot_token=TOKEN,
    )
    zone = zoneinfo.ZoneInfo(mini_app_member.chain.time_zone or "UTC")
    local = f"{datetime.datetime.now(zone) - datetime.timedelta(minutes=10):%Y%m%dT%H%M}"  # the till's local time
    qr = f"t={local}&s=432.10&fn=9960440300000099&i=4321&fp=1234554321&n=1"
    # Telegram's WebApp object as the Telegram client provides it: its scanner "reads" the receipt's QR at once.
    scanner = "function (params, callback) { window.scannerText = params.text; callback(" + json.dumps(qr) + "); }"
    page.add_init_script(
        "window.Telegram = {WebApp: {initData: "
        + json.dumps(init_data)
        + ", ready: function () {}, showScanQrPopup: "
        + scanner
        + "}};"
    )
    page.goto(chain_url(live_site, mini_app_member.host, "/telegram/app/"))
    page.wait_for_selector("#claim-section:not([hidden])")
    page.click("#claim-button")
    wait_until(page, "document.getElementById('claim-result').textContent.startsWith('Спасибо')")
    screenshot(page, "mini-app-receipt-claim")

    assert "Ресторан ещё не передал нам этот чек" in page.inner_text("#claim-result")
    assert page.evaluate("window.scannerText") == "Наведите камеру на QR-код фискального чека"
