from django.urls import path

from pos.views import restaurants

app_name = "restaurants"
urlpatterns = [
    path("", restaurants.restaurant_list, name="list"),
    path("new/", restaurants.restaurant_edit, name="create"),
    path("<int:restaurant_id>/", restaurants.restaurant_detail, name="detail"),
    path("<int:restaurant_id>/edit/", restaurants.restaurant_edit, name="edit"),
    path("<int:restaurant_id>/delete/", restaurants.restaurant_delete, name="delete"),
    path("<int:restaurant_id>/connections/", restaurants.connection_create, name="connection-create"),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/rotate/",
        restaurants.connection_rotate_secret,
        name="connection-rotate",
    ),
    path("<int:restaurant_id>/receipts/<int:receipt_id>/rerun/", restaurants.receipt_rerun, name="receipt-rerun"),
]
