from django.apps import AppConfig


class TelegramBotConfig(AppConfig):
    name = "telegram_bot"
    verbose_name = "Telegram bot, Mini App and guest notifications"

    def ready(self) -> None:
        from telegram_bot import signals  # noqa: F401  (connects the receivers)
