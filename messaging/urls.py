"""URLs of messaging on a chain's host: the unsubscribe link, the providers' tracking webhooks, the settings and message template pages."""

from django.urls import path

from messaging import views, webhooks

app_name = "messaging"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/sendgrid/tracking/", webhooks.sendgrid_tracking, name="sendgrid-tracking"),
    path("webhooks/mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun-tracking"),
    path("settings/", views.settings_page, name="settings"),
    path("templates/", views.templates_page, name="template-list"),
    path("templates/<str:kind>/<str:language>/", views.template_edit, name="template-edit"),
    path("templates/<str:kind>/<str:language>/preview/", views.template_preview, name="template-preview"),
]
