from django.urls import path

from fraud.api import views

app_name = "fraud-api"
urlpatterns = [
    path("fraud/flags", views.FlagListApi.as_view(), name="flag-list"),
    path("fraud/flags/<int:flag_id>/dismiss", views.FlagDismissApi.as_view(), name="flag-dismiss"),
    path("fraud/flags/<int:flag_id>/freeze", views.FlagFreezeApi.as_view(), name="flag-freeze"),
]
