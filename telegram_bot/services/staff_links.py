"""Staff members' Telegram link: "Connect Telegram" issues a one-time deep link to the chain's bot, the bot's /start
with it links the chat to the staff member (in this chain only), "Disconnect" unlinks. Alerts then reach them there
(messaging.staff_alerts).

The token is random (32 URL-safe characters, so `staff_<token>` fits Telegram's 64-character start parameter), kept
only as its SHA-256, used once and valid for settings.TELEGRAM_STAFF_LINK_TTL_MINUTES. Link and unlink are audited.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.access import ChainAccess
from accounts.models import Membership, Role
from accounts.roles import Permission
from audit.services import record_audit
from loyalty.selectors import current_chain
from telegram_bot.models import StaffTelegramLink
from telegram_bot.selectors import connected_bot

STAFF_START_PREFIX = "staff_"
TOKEN_BYTES = 24  # 32 characters of A-Z a-z 0-9 _ -
# The roles whose alerts may go to Telegram: those who receive any (fraud flags: owners and admins; low ratings:
# managers too). Cashiers receive none, so they have nothing to link.
ALERTED_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_start_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={STAFF_START_PREFIX}{token}"


@transaction.atomic
def issue_staff_link(*, access: ChainAccess) -> str:
    """A fresh one-time deep link for the signed-in staff member (an earlier unused one stops working)."""
    access.require(Permission.VIEW_DASHBOARD)
    bot = connected_bot()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = timezone.now() + datetime.timedelta(minutes=settings.TELEGRAM_STAFF_LINK_TTL_MINUTES)
    StaffTelegramLink.objects.update_or_create(
        user=access.user, defaults={"token_hash": _token_hash(token), "token_expires_at": expires_at}
    )
    return staff_start_link(bot.username, token)


@transaction.atomic
def link_staff_chat(*, token: str, chat_id: int, telegram_username: str = "") -> StaffTelegramLink | None:
    """The bot's /start staff_<token>: the chat becomes the staff member's alert chat. None for an unknown, used or
    expired token, or when the staff member no longer holds an alerted role in this chain."""
    if not token:
        return None
    link = (
        StaffTelegramLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_token_hash(token), token_expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        return None
    link.token_hash, link.token_expires_at = "", None  # used once, whatever follows
    is_member = Membership.objects.filter(
        user_id=link.user_id,
        chain_id=current_chain().pk,
        is_active=True,
        role__in=ALERTED_ROLES,
        user__is_active=True,
    ).exists()
    if not is_member:
        link.save(update_fields=["token_hash", "token_expires_at"])
        return None
    before = link.chat_id
    link.chat_id, link.telegram_username = chat_id, telegram_username[:64]
    link.linked_at, link.unreachable_at = timezone.now(), None
    link.save()
    record_audit(
        action="telegram.staff_linked",
        actor=link.user,
        target=link,
        changes={"chat_id": [before, chat_id]},
        data={"telegram_username": link.telegram_username},
    )
    return link


@transaction.atomic
def unlink_staff_chat(*, access: ChainAccess) -> bool:
    """ "Disconnect": alerts go by email again. False when nothing was linked."""
    link = StaffTelegramLink.objects.select_for_update().filter(user=access.user, chat_id__isnull=False).first()
    if link is None:
        return False
    before = link.chat_id
    link.chat_id, link.telegram_username, link.linked_at, link.unreachable_at = None, "", None, None
    link.save()
    record_audit(action="telegram.staff_unlinked", actor=access.user, target=link, changes={"chat_id": [before, None]})
    return True


def mark_staff_chat_unreachable(*, user_id: int) -> None:
    """Telegram answered 403 (the staff member blocked the bot): their alerts go by email until they link again."""
    StaffTelegramLink.objects.filter(user_id=user_id, unreachable_at__isnull=True).update(unreachable_at=timezone.now())
