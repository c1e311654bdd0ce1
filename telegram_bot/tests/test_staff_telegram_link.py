"""A staff member links their Telegram chat from their page: "Connect Telegram" gives a one-time deep link to the
chain's bot, /start with it links the chat (audited), the link works once and expires, only its hash is kept, and
"Disconnect" unlinks (audited). The guest conversation is not started for it."""

from __future__ import annotations

import hashlib
import re

from audit.models import AuditEntry
from telegram_bot.models import StaffTelegramLink, TelegramChat
from telegram_bot.tests.conftest import STAFF_LINK_PATTERN, message_update
from tests.fixtures import signed_in_client

MANAGER_CHAT = 555_001


def test_the_deep_link_links_the_chat_to_the_staff_member(alpha, link_staff_telegram, telegram_api):
    link_staff_telegram("manager", MANAGER_CHAT)

    link = StaffTelegramLink.objects.get(user=alpha.user("manager"))
    assert link.chat_id == MANAGER_CHAT
    assert link.telegram_username == f"user{MANAGER_CHAT}"
    [reply] = telegram_api.texts(MANAGER_CHAT)
    assert "alerts of Alpha" in reply and alpha.user("manager").email in reply
    assert not TelegramChat.objects.filter(chat_id=MANAGER_CHAT).exists()  # no guest registration begun
    audit = AuditEntry.objects.get(action="telegram.staff_linked")
    assert audit.actor == alpha.user("manager")


def test_the_page_then_says_connected(alpha, link_staff_telegram):
    link_staff_telegram("owner", MANAGER_CHAT)

    page = signed_in_client(alpha, "owner").get("/settings/telegram/alerts/")

    assert f"@user{MANAGER_CHAT}" in page.content.decode()
    assert 'data-testid="disconnect-telegram"' in page.content.decode()


def test_the_token_fits_telegrams_start_parameter_and_only_its_hash_is_kept(alpha, alpha_bot):
    page = signed_in_client(alpha, "admin").post("/settings/telegram/alerts/", {"connect": "1"})
    found = re.search(STAFF_LINK_PATTERN, page.content.decode())
    assert found is not None
    param = found.group(1)
    assert len(param) <= 64
    token = param.removeprefix("staff_")
    row = StaffTelegramLink.objects.get(user=alpha.user("admin"))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash


def test_the_link_works_once(alpha, link_staff_telegram, send_update, telegram_api):
    param = link_staff_telegram("manager", MANAGER_CHAT)

    send_update(message_update(MANAGER_CHAT + 1, f"/start {param}", language="en"))

    assert StaffTelegramLink.objects.get(user=alpha.user("manager")).chat_id == MANAGER_CHAT
    [refusal] = telegram_api.texts(MANAGER_CHAT + 1)
    assert "not valid any more" in refusal


def test_an_expired_link_links_nothing(alpha, link_staff_telegram, settings, telegram_api):
    settings.TELEGRAM_STAFF_LINK_TTL_MINUTES = 0  # expired as soon as issued

    link_staff_telegram("manager", MANAGER_CHAT)

    assert StaffTelegramLink.objects.get(user=alpha.user("manager")).chat_id is None
    assert "not valid any more" in telegram_api.texts(MANAGER_CHAT)[0]
    assert not AuditEntry.objects.filter(action="telegram.staff_linked").exists()


def test_a_made_up_token_links_nothing(alpha, alpha_bot, send_update, telegram_api):
    send_update(message_update(MANAGER_CHAT, "/start staff_" + "A" * 32, language="en"))

    assert not StaffTelegramLink.objects.exists()
    assert "not valid any more" in telegram_api.texts(MANAGER_CHAT)[0]


def test_disconnect_unlinks_and_is_audited(alpha, link_staff_telegram):
    link_staff_telegram("manager", MANAGER_CHAT)

    response = signed_in_client(alpha, "manager").post("/settings/telegram/alerts/", {"disconnect": "1"})

    assert response.status_code == 302
    assert StaffTelegramLink.objects.get(user=alpha.user("manager")).chat_id is None
    audit = AuditEntry.objects.get(action="telegram.staff_unlinked")
    assert audit.actor == alpha.user("manager")
    assert audit.changes == {"chat_id": [MANAGER_CHAT, None]}


def test_without_a_bot_the_page_offers_no_link(alpha):
    page = signed_in_client(alpha, "owner").get("/settings/telegram/alerts/")

    assert 'data-testid="no-bot"' in page.content.decode()
    assert 'data-testid="connect-telegram"' not in page.content.decode()


def test_cashiers_get_no_alerts_and_no_page(alpha):
    assert signed_in_client(alpha, "cashier").get("/settings/telegram/alerts/").status_code == 403
