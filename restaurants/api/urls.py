"""Restaurant endpoints under /api/v1/."""

from django.urls import path

from restaurants.api import views

app_name = "restaurants-api"
urlpatterns = [
    path("restaurants", views.RestaurantListApi.as_view(), name="restaurant-list"),
    path("restaurants/<int:restaurant_id>", views.RestaurantDetailApi.as_view(), name="restaurant-detail"),
]
