"""URLs of messaging on a chain's host: the unsubscribe link, the providers' tracking webhooks, the settings page."""

from django.urls import path

from messaging import views, webhooks

app_name = "messaging"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/sendgrid/tracking/", webhooks.sendgrid_tracking, name="sendgrid-tracking"),
    path("webhooks/mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun-tracking"),
    path("settings/", views.settings_page, name="settings"),
]
