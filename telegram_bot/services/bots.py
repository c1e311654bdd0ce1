"""Connecting the chain's bot: the token is checked with getMe, stored encrypted, and the webhook pointed at us."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from telegram import MenuButtonWebApp, WebAppInfo

from audit.services import record_audit
from loyalty.selectors import current_chain
from maxloyalty.encryption import encrypt_text
from telegram_bot.client import InvalidToken, TelegramError, call_bot
from telegram_bot.errors import BotTokenInvalid, TelegramUnavailable
from telegram_bot.models import TelegramBot
from telegram_bot.selectors import bot_token, current_bot

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]


def webhook_url() -> str:
    return current_chain().base_url + reverse("telegram:webhook")


def mini_app_url() -> str:
    return current_chain().base_url + reverse("telegram:mini-app")


def _delete_webhook(token: str) -> None:
    try:
        call_bot(token, lambda bot: bot.delete_webhook())
    except TelegramError as error:  # the old token may be revoked already: nothing left to undo
        logger.warning("Could not delete the webhook of the previous bot: %s", error)


@transaction.atomic
def connect_bot(*, token: str, actor: User | None) -> TelegramBot:
    """Check the token with getMe, point the bot's webhook at this chain with a fresh secret, and keep it
    (encrypted). A previous bot of the chain has its webhook deleted."""
    token = token.strip()
    if ":" not in token or len(token) > 100:
        raise BotTokenInvalid(fields={"token": [str(BotTokenInvalid.message)]})
    secret = secrets.token_urlsafe(32)  # Telegram allows 1-256 characters of A-Z a-z 0-9 _ -
    url = webhook_url()
    try:
        me = call_bot(token, lambda bot: bot.get_me())
        call_bot(token, lambda bot: bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
    except InvalidToken as error:
        raise BotTokenInvalid(fields={"token": [str(BotTokenInvalid.message)]}) from error
    except TelegramError as error:
        raise TelegramUnavailable(fields={"token": [str(TelegramUnavailable.message)]}) from error
    app_url = mini_app_url()
    try:  # the menu button opens the Mini App; Telegram refuses non-HTTPS URLs (local development): not fatal
        call_bot(
            token,
            lambda bot: bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(text="Card", web_app=WebAppInfo(url=app_url))
            ),
        )
    except TelegramError as error:
        logger.warning("The Mini App menu button was not set: %s", error)
    previous = TelegramBot.objects.select_for_update().first()
    if previous is not None:
        old_token = bot_token(previous)
        if old_token != token:
            _delete_webhook(old_token)
        previous.delete()
    bot = TelegramBot.objects.create(
        token_encrypted=encrypt_text(token),
        bot_id=me.id,
        username=me.username or "",
        webhook_secret_encrypted=encrypt_text(secret),
        webhook_url=url,
        connected_by=actor,
    )
    record_audit(
        action="telegram.bot_connected",
        actor=actor,
        target=bot,
        data={"username": bot.username, "replaced": previous.username if previous else None},
    )
    return bot


@transaction.atomic
def disconnect_bot(*, actor: User | None) -> None:
    """Delete the webhook and forget the token; guests' chats stay linked for a later bot."""
    bot = TelegramBot.objects.select_for_update().first()
    if bot is None:
        return
    _delete_webhook(bot_token(bot))
    record_audit(action="telegram.bot_disconnected", actor=actor, target=bot, data={"username": bot.username})
    bot.delete()


__all__ = ["connect_bot", "current_bot", "disconnect_bot", "mini_app_url", "webhook_url"]
