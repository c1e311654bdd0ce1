"""What Telegram and guests reach under /telegram/: the bot's webhook and the Mini App page."""

from django.urls import path

from telegram_bot import views

app_name = "telegram"
urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
    path("app/", views.mini_app, name="mini-app"),
]
