from django.urls import path

from messaging.api import views

app_name = "messaging-api"
urlpatterns = [
    path(
        "message-templates/<str:kind>/<str:language>",
        views.MessageTemplateDetailApi.as_view(),
        name="message-template-detail",
    ),
]
