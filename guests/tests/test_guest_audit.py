"""Every staff change to a guest leaves an audit row naming who, what and old → new."""

from audit.models import AuditEntry
from guests.services import block_guest, create_guest, set_consent, update_guest
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


def test_creating_through_the_api_records_the_cashier_and_values(alpha):
    response = api_as(alpha, "cashier").post(
        "/api/v1/guests", {"phone": "+79161234567", "first_name": "Olga"}, format="json"
    )
    entry = AuditEntry.objects.get(action="guest.created", object_id=str(response.json()["id"]))
    assert entry.actor == alpha.user("cashier")
    assert entry.changes["phone"] == [None, "+79161234567"]
    assert entry.changes["first_name"] == [None, "Olga"]
    assert entry.restaurant_id == alpha.restaurants[0].id


def test_update_records_old_and_new_values_only_for_changed_fields(alpha):
    guest = GuestFactory(first_name="Olga", last_name="Ivanova", tags=["a"])
    api_as(alpha, "owner").patch(
        f"/api/v1/guests/{guest.id}",
        {"first_name": "Olga", "last_name": "Smirnova", "tags": ["a", "vip"]},
        format="json",
    )
    entry = AuditEntry.objects.get(action="guest.updated", object_id=str(guest.id))
    assert entry.actor == alpha.user("owner")
    assert entry.changes == {"last_name": ["Ivanova", "Smirnova"], "tags": [["a"], ["a", "vip"]]}


def test_an_update_that_changes_nothing_writes_no_row(alpha, access_of):
    guest = GuestFactory(first_name="Olga")
    update_guest(access=access_of("owner"), guest=guest, data={"first_name": "Olga"})
    assert not AuditEntry.objects.filter(action="guest.updated", object_id=str(guest.id)).exists()


def test_block_and_consent_are_audited(alpha, access_of):
    guest = create_guest(access=None, phone="+79161234567")
    block_guest(access=access_of("admin"), guest=guest, reason="fraud")
    set_consent(guest=guest, channel="email", given=True, access=access_of("admin"))
    blocked = AuditEntry.objects.get(action="guest.blocked", object_id=str(guest.id))
    assert (blocked.changes, blocked.reason) == ({"status": ["active", "blocked"]}, "fraud")
    consent = AuditEntry.objects.get(action="guest.consent_given", object_id=str(guest.id))
    assert consent.changes == {"email_consent": [False, True]}
    assert consent.actor == alpha.user("admin")
