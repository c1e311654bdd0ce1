"""The one way staff are alerted (fraud flags, low ratings): in Telegram for those who linked their chat with the
chain's bot (telegram_bot.services.staff_links), by email for the rest and for the chain's extra addresses.

The caller decides who is alerted (their role allows it) and writes the text in the chain's language; this module
decides how each is reached. A staff member whose Telegram message fails (they blocked the bot: 403, or Telegram
is down) gets the email instead, so an alert is never lost to a channel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.mail import send_mass_mail

from accounts.models import User
from telegram_bot.client import Forbidden, TelegramError, call_bot
from telegram_bot.selectors import bot_token, current_bot, staff_alert_chats
from telegram_bot.services.staff_links import mark_staff_chat_unreachable

logger = logging.getLogger(__name__)
TELEGRAM_TEXT_LIMIT = 4096


@dataclass
class AlertDelivery:
    """Who was reached how: staff ids in Telegram, addresses by email."""

    telegram_user_ids: list[int] = field(default_factory=list)
    email_addresses: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.telegram_user_ids) + len(self.email_addresses)


def _send_telegram(token: str, chat_id: int, text: str) -> None:
    call_bot(token, lambda bot: bot.send_message(chat_id=chat_id, text=text[:TELEGRAM_TEXT_LIMIT]))


def deliver_staff_alert(
    *,
    user_ids: Sequence[int],
    subject: str,
    body: str,
    extra_emails: Sequence[str] = (),
    email_unlinked: bool = True,
) -> AlertDelivery:
    """Alert the staff members `user_ids` (active users only): Telegram when linked, else email unless
    `email_unlinked` is False (the chain named its own address instead); `extra_emails` always by email. One email
    per address, so staff do not see each other's addresses. Raises what the mail server raises (the caller's task
    retries), after the Telegram messages went out."""
    users = {user.pk: user for user in User.objects.filter(pk__in=list(user_ids), is_active=True)}
    bot = current_bot()
    chats = staff_alert_chats(users) if bot is not None else {}
    delivery = AlertDelivery()
    emailed: list[str] = []
    for user_id in sorted(users):
        chat_id = chats.get(user_id)
        if chat_id is not None and bot is not None:
            try:
                _send_telegram(bot_token(bot), chat_id, f"{subject}\n\n{body}")
            except Forbidden:
                mark_staff_chat_unreachable(user_id=user_id)
            except TelegramError as error:
                logger.warning("Telegram alert to staff %s failed, emailing instead: %s", user_id, error)
            else:
                delivery.telegram_user_ids.append(user_id)
                continue
            emailed.append(users[user_id].email)
        elif email_unlinked:
            emailed.append(users[user_id].email)
    addresses = sorted({address.strip().lower() for address in [*emailed, *extra_emails] if address.strip()})
    if addresses:
        send_mass_mail([(subject, body, None, [address]) for address in addresses])
    delivery.email_addresses = addresses
    return delivery
