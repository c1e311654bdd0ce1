"""Run a chain's bot by long polling (local development without a public webhook URL)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from telegram_bot.client import TelegramError, call_bot
from telegram_bot.selectors import bot_token, current_bot
from telegram_bot.services import handle_update, take_in_update
from telegram_bot.services.bots import ALLOWED_UPDATES
from tenants.models import Chain


class Command(BaseCommand):
    help = "Poll Telegram for the chain's bot updates and handle them in-process (deletes the webhook)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chain", required=True, help="the chain's slug")
        parser.add_argument("--once", action="store_true", help="one poll, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        chain = Chain.objects.filter(slug=options["chain"]).first()
        if chain is None:
            raise CommandError(f"No chain with slug {options['chain']!r}")
        with schema_context(chain.schema_name):
            bot = current_bot()
            if bot is None:
                raise CommandError("This chain has no Telegram bot: add its token in Settings → Telegram.")
            token = bot_token(bot)
            call_bot(token, lambda api: api.delete_webhook())
            self.stdout.write(f"Polling @{bot.username}; Ctrl+C stops. The webhook is deleted: reconnect the token.")
            offset = 0
            while True:
                try:
                    updates = call_bot(
                        token,
                        lambda api, start=offset: api.get_updates(  # type: ignore[misc]  # the default binds this round's offset
                            offset=start, timeout=25, allowed_updates=ALLOWED_UPDATES
                        ),
                    )
                except TelegramError as error:
                    self.stderr.write(f"Telegram: {error}")
                    time.sleep(3)
                    continue
                for update in updates:
                    offset = update.update_id + 1
                    data = update.to_dict()
                    if take_in_update(update=data):
                        handle_update(update=data)
                if options["once"]:
                    return
