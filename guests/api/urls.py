from django.urls import path  # noqa: F401

app_name = "guests-api"
urlpatterns: list = []
