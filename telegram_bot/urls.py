"""Staff pages under /settings/telegram/: the bot token, campaign broadcasts and a staff member's alert chat."""

from django.urls import path

from telegram_bot import views

app_name = "telegram-settings"
urlpatterns = [
    path("", views.bot_settings, name="bot"),
    path("alerts/", views.staff_link, name="staff-link"),
    path("broadcasts/", views.broadcast_list, name="broadcast-list"),
    path("broadcasts/<int:broadcast_id>/", views.broadcast_detail, name="broadcast-detail"),
]
