"""The restaurants' POS pages under /restaurants/: list, detail and the POS actions on a restaurant (namespace
"restaurants", completed by restaurants.urls in maxloyalty.urls: add, edit and delete)."""

from django.urls import path

from pos.views import connections, restaurants

urlpatterns = [
    path("", restaurants.restaurant_list, name="list"),
    path("<int:restaurant_id>/", restaurants.restaurant_detail, name="detail"),
    path("<int:restaurant_id>/connections/", restaurants.connection_create, name="connection-create"),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/rotate/",
        restaurants.connection_rotate_secret,
        name="connection-rotate",
    ),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/",
        connections.connection_detail,
        name="connection-detail",
    ),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/checks/",
        connections.connection_receipts,
        name="connection-checks",
    ),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/test-check/",
        connections.connection_test_check,
        name="connection-test-check",
    ),
    path(
        "<int:restaurant_id>/connections/<int:connection_id>/iiko-credentials/",
        connections.connection_iiko_credentials,
        name="connection-iiko-credentials",
    ),
    path("<int:restaurant_id>/receipts/<int:receipt_id>/rerun/", restaurants.receipt_rerun, name="receipt-rerun"),
]
