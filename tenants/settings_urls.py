from django.urls import path

from tenants import settings_views

app_name = "settings"
urlpatterns = [
    path("", settings_views.chain_settings, name="profile"),
    path("logo/", settings_views.chain_logo_upload, name="logo-upload"),
    path("logo/remove/", settings_views.chain_logo_remove, name="logo-remove"),
]
