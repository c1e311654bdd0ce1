"""Restaurant pages: owners and admins add, edit and delete restaurants, every change audited."""

from audit.models import AuditEntry
from restaurants.models import Restaurant
from restaurants.services import create_restaurant
from tests.fixtures import signed_in_client

NEW = {
    "name": "Harbour",
    "address": "Pier 3",
    "phone": "",
    "time_zone": "",
    "status": "active",
    "hours_mon": "10:00–23:00",
}


def test_owner_adds_a_restaurant_with_opening_hours_audited(alpha):
    response = signed_in_client(alpha, "owner").post("/restaurants/new/", NEW)
    created = Restaurant.objects.get(name="Harbour")
    assert response["Location"] == f"/restaurants/{created.id}/"
    assert created.opening_hours == {"mon": "10:00–23:00"}
    assert AuditEntry.objects.filter(action="restaurant.created", object_id=str(created.id)).exists()


def test_invalid_restaurant_form_keeps_the_input(alpha):
    response = signed_in_client(alpha, "admin").post("/restaurants/new/", {**NEW, "name": ""})
    assert response.status_code == 422
    assert response.context["form"]["address"].value() == "Pier 3"


def test_delete_needs_confirmation_and_a_restaurant_without_history_goes(alpha):
    restaurant = create_restaurant(actor=alpha.user("owner"), name="Pop-up")
    client = signed_in_client(alpha, "owner")
    confirmation = client.get(f"/restaurants/{restaurant.id}/delete/")
    assert "Delete “Pop-up”?" in confirmation.content.decode()
    assert Restaurant.objects.filter(pk=restaurant.pk).exists()
    client.post(f"/restaurants/{restaurant.id}/delete/")
    assert not Restaurant.objects.filter(pk=restaurant.pk).exists()
    assert AuditEntry.objects.filter(action="restaurant.deleted").exists()
