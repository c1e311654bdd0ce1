"""The fraud review's pages: /fraud/..."""

from django.urls import path

from fraud import views

app_name = "fraud"
urlpatterns = [
    path("", views.flag_list, name="flag-list"),
    path("settings/", views.fraud_settings_page, name="settings"),
    path("<int:flag_id>/", views.flag_detail, name="flag-detail"),
    path("<int:flag_id>/dismiss/", views.flag_dismiss, name="flag-dismiss"),
    path("<int:flag_id>/freeze/", views.flag_freeze, name="flag-freeze"),
    path("<int:flag_id>/unfreeze/", views.flag_unfreeze, name="flag-unfreeze"),
    path("<int:flag_id>/reverse/", views.flag_reverse, name="flag-reverse"),
]
