from django.urls import path

from feedback.api import views

app_name = "feedback-api"
urlpatterns = [
    path("feedback/ratings", views.RatingListApi.as_view(), name="rating-list"),
]
