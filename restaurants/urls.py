"""Restaurant pages under /restaurants/ (namespace "restaurants", completed by pos.restaurant_urls in
maxloyalty.urls: the list, the detail page and its POS actions)."""

from django.urls import path

from restaurants import views

urlpatterns = [
    path("new/", views.restaurant_edit, name="create"),
    path("<int:restaurant_id>/edit/", views.restaurant_edit, name="edit"),
    path("<int:restaurant_id>/delete/", views.restaurant_delete, name="delete"),
]
