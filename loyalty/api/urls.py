from django.urls import path  # noqa: F401

app_name = "loyalty-api"
urlpatterns: list = []
