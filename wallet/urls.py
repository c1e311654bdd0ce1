"""URLs of the wallet on a chain's host: Apple's PassKit web service (its paths are Apple's) and the guest's
signed "add to wallet" link."""

from django.urls import path

from wallet import views

app_name = "wallet"
urlpatterns = [
    path(
        "apple/v1/devices/<str:device_library_id>/registrations/<str:pass_type_id>/<str:serial>",
        views.device_registration,
        name="apple-registration",
    ),
    path(
        "apple/v1/devices/<str:device_library_id>/registrations/<str:pass_type_id>",
        views.device_serials,
        name="apple-serials",
    ),
    path("apple/v1/passes/<str:pass_type_id>/<str:serial>", views.latest_pass, name="apple-pass"),
    path("apple/v1/log", views.device_log, name="apple-log"),
    path("add/<str:token>/", views.add, name="add"),
    path("add/<str:token>/apple/", views.add_apple, name="add-apple"),
    path("add/<str:token>/google/", views.add_google, name="add-google"),
]
