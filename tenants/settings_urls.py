from django.urls import path

from tenants import settings_views

app_name = "settings"
urlpatterns = [
    path("", settings_views.chain_settings, name="profile"),
    path("sample-data/", settings_views.sample_data, name="sample-data"),
    path("sample-data/on", settings_views.sample_data_on, name="sample-data-on"),
    path("sample-data/off", settings_views.sample_data_off, name="sample-data-off"),
    path("logo/", settings_views.chain_logo_upload, name="logo-upload"),
    path("logo/remove/", settings_views.chain_logo_remove, name="logo-remove"),
    path("card-colours/", settings_views.chain_card_colours, name="card-colours"),
]
