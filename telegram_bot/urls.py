"""Staff pages under /settings/telegram/: the bot token and campaign broadcasts."""

from django.urls import path

from telegram_bot import views

app_name = "telegram-settings"
urlpatterns = [
    path("", views.bot_settings, name="bot"),
    path("broadcasts/", views.broadcast_list, name="broadcast-list"),
    path("broadcasts/<int:broadcast_id>/", views.broadcast_detail, name="broadcast-detail"),
]
