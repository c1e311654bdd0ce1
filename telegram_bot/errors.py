"""Refusals of the Telegram integration, rendered by the API and pages like every DomainError."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import DomainError, NotFound


class BotTokenInvalid(DomainError):
    code, status, message = "bot_token_invalid", 400, _("Telegram did not accept this bot token.")


class TelegramUnavailable(DomainError):
    code, status, message = "telegram_unavailable", 502, _("Telegram could not be reached; try again in a minute.")


class BotNotConnected(NotFound):
    code, status, message = "bot_not_connected", 404, _("No Telegram bot is connected to this chain.")


class BroadcastNotFound(NotFound):
    code, status, message = "broadcast_not_found", 404, _("Broadcast not found.")


class BroadcastFinished(DomainError):
    code, status, message = "broadcast_finished", 409, _("This broadcast has already finished.")


class MiniAppUnauthorized(DomainError):
    code, status, message = "telegram_auth_failed", 401, _("Open this page from the chain's Telegram bot.")


class GuestNotJoined(NotFound):
    code, message = "guest_not_joined", _("Join the program in the bot first.")
