"""URLs of messaging on a chain's host: the unsubscribe link, the providers' tracking webhooks and SMS callbacks, the
settings and message template pages."""

from django.urls import path

from messaging import sms_views, views, webhooks

app_name = "messaging"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/sendgrid/tracking/", webhooks.sendgrid_tracking, name="sendgrid-tracking"),
    path("webhooks/mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun-tracking"),
    path("sms/twilio/status/", sms_views.twilio_status, name="sms-twilio-status"),
    path("sms/twilio/inbound/", sms_views.twilio_inbound, name="sms-twilio-inbound"),
    path("sms/smsru/status/", sms_views.smsru_status, name="sms-smsru-status"),
    path("settings/", views.settings_page, name="settings"),
    path("templates/", views.templates_page, name="template-list"),
    path("templates/<str:kind>/<str:language>/", views.template_edit, name="template-edit"),
    path("templates/<str:kind>/<str:language>/preview/", views.template_preview, name="template-preview"),
    path("settings/sms/", views.sms_settings, name="sms-settings"),
    path("settings/sms/cost/", views.sms_cost, name="sms-cost"),
]
