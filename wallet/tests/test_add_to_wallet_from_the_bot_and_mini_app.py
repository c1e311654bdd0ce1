"""The guest reaches the "add to wallet" page from the bot's menu and from the Mini App, once a wallet is
configured; without one neither shows it."""

from __future__ import annotations

import json
from typing import Any

from telegram_bot.tests.conftest import TOKEN, callback_update, message_update
from telegram_bot.tests.test_mini_app_init_data import get_me, init_data
from tests.fixtures import ChainWorld, client_on
from wallet.tests.certificates import WalletCertificates

CHAT = 5600001  # the Mini App helpers' user


def _buttons(markup: str) -> list[dict[str, Any]]:
    return [button for row in json.loads(markup)["inline_keyboard"] for button in row]


def test_the_bot_menu_gives_a_link_to_the_wallet_page(
    alpha: ChainWorld,
    apple_wallet: WalletCertificates,
    telegram_api: Any,
    send_update: Any,
    linked_guest: Any,
) -> None:
    linked_guest("+79166660101", CHAT)
    send_update(message_update(CHAT, "/menu"))
    menu = telegram_api.sent("sendMessage", CHAT)[-1]
    assert "wallet" in [button.get("callback_data") for button in _buttons(menu.params["reply_markup"])]

    send_update(callback_update(CHAT, "wallet"))

    (button,) = _buttons(telegram_api.sent("sendMessage", CHAT)[-1].params["reply_markup"])
    assert button["url"].startswith(f"{alpha.chain.base_url}/wallet/add/")
    page = client_on(alpha.host).get(button["url"].removeprefix(alpha.chain.base_url))
    assert page.status_code == 200
    assert "Add to Apple Wallet" in page.content.decode()


def test_without_a_wallet_the_bot_menu_has_no_wallet_button(
    alpha: ChainWorld, telegram_api: Any, send_update: Any, linked_guest: Any
) -> None:
    linked_guest("+79166660102", CHAT)
    send_update(message_update(CHAT, "/menu"))
    menu = telegram_api.sent("sendMessage", CHAT)[-1]
    assert "wallet" not in [button.get("callback_data") for button in _buttons(menu.params["reply_markup"])]


def test_the_mini_app_profile_carries_the_wallet_link(
    alpha: ChainWorld, alpha_bot: Any, apple_wallet: WalletCertificates, linked_guest: Any
) -> None:
    linked_guest("+79166660103", CHAT)
    response = get_me(alpha, init_data(CHAT, TOKEN))
    assert response.status_code == 200
    url = response.json()["wallet_url"]
    assert url.startswith(f"{alpha.chain.base_url}/wallet/add/")
    assert client_on(alpha.host).get(url.removeprefix(alpha.chain.base_url)).status_code == 200
