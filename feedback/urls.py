"""URLs of feedback on a chain's host: the guest's signed rating page and the feedback settings."""

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
    path("settings/", views.settings_page, name="settings"),
]
