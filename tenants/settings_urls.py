from django.urls import path

from tenants import settings_views

app_name = "settings"
urlpatterns = [path("", settings_views.chain_settings, name="profile")]
