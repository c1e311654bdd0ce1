"""maxloyalty.db.fast_instances (fast_load for the rows the hot path reads, new_instance for new ones) builds what
Django's constructor would build, and gives way to it where it does more than set attributes.

A canary: run it on every Django or psycopg upgrade (docs/hot-path.md). The fast instances lean on how Django lays
out a model instance (`__dict__` by attname, `_state`) and on its query iterables; a change there fails here first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, models
from django.db.models import signals
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone

from guests.models import Guest, Visit
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, PointsAccount
from loyalty.services.ledger import locked_accounts
from maxloyalty.db.fast_instances import _construction_plan, fast_load, new_instance
from pos.models import Receipt
from restaurants.models import Restaurant


def _fields(instance: object) -> dict[str, object]:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_a_loaded_row_is_the_instance_the_constructor_would_build(alpha):
    guest = Guest.objects.create(phone="+79160000301", first_name="Анна", tags=["vip"])
    loaded = fast_load(Guest.objects.all()).get(pk=guest.pk)
    values = [getattr(loaded, field.attname) for field in Guest._meta.concrete_fields]
    constructed = Guest(*values)

    assert _fields(loaded) == _fields(constructed)
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert loaded.first_name == "Анна" and loaded.tags == ["vip"]
    loaded.first_name = "Анна Мария"
    loaded.save(update_fields=["first_name"])  # a loaded instance saves as an UPDATE of its row
    assert Guest.objects.get(pk=guest.pk).first_name == "Анна Мария"


def test_columns_left_out_of_a_query_load_on_access(alpha):
    Guest.objects.create(phone="+79160000302", first_name="Борис")
    guest = fast_load(Guest.objects.only("status")).get(phone="+79160000302")

    assert "first_name" not in vars(guest)
    with CaptureQueriesContext(connection) as captured:
        assert guest.first_name == "Борис"
    assert len(captured) == 1


def test_a_new_row_gets_the_defaults_its_values_and_its_related_objects_without_queries(alpha):
    guest = Guest.objects.create(phone="+79160000303")
    restaurant = Restaurant.objects.create(name="Центр")
    at = timezone.now()
    visit = new_instance(
        Visit,
        {"guest": guest, "restaurant": restaurant},
        visited_at=at,
        check_amount=Decimal("990.00"),
        points_earned=10,
    )

    assert visit._state.adding is True and visit.pk is None
    assert (visit.guest_id, visit.restaurant_id, visit.visited_at, visit.points_earned) == (
        guest.pk,
        restaurant.pk,
        at,
        10,
    )
    assert visit.points_spent == Visit._meta.get_field("points_spent").get_default()
    with CaptureQueriesContext(connection) as captured:
        assert visit.guest is guest and visit.restaurant is restaurant
    assert len(captured) == 0
    visit.save()
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.guest_id, stored.restaurant_id, stored.check_amount) == (guest.pk, restaurant.pk, Decimal("990.00"))


def test_callable_defaults_run_for_every_new_row_and_not_for_given_values(alpha):
    first, second = new_instance(Guest, {}), new_instance(Guest, {})
    assert first.qr_token and second.qr_token and first.qr_token != second.qr_token
    assert first.tags == [] and first.tags is not second.tags  # a fresh list each, as the constructor gives
    assert new_instance(Guest, {}, qr_token="given").qr_token == "given"


def test_a_field_the_model_does_not_have_is_refused(alpha):
    with pytest.raises(TypeError, match="no field"):
        new_instance(Visit, {}, visited_on=dt.date(2026, 12, 1))


def test_the_constructor_is_used_while_an_init_signal_has_a_receiver(alpha):
    guest = Guest.objects.create(phone="+79160000304")
    seen: list[object] = []

    def note(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    signals.post_init.connect(note, sender=LedgerEntry)
    try:
        entry = new_instance(
            LedgerEntry,
            {"restaurant": None},
            kind=EntryKind.ACCRUAL,
            points=5,
            guest_id=guest.pk,
            remaining_points=5,
            idempotency_key="fast:1",
        )
        entry.save()
        loaded = fast_load(LedgerEntry.objects.all()).get(pk=entry.pk)
    finally:
        signals.post_init.disconnect(note, sender=LedgerEntry)
    assert seen == [entry, loaded]
    assert entry.restaurant_id is None and loaded.points == 5


@isolate_apps("guests")
def test_a_model_with_a_field_descriptor_of_its_own_is_left_to_the_constructor():
    class Document(models.Model):  # noqa: DJ008  (a throwaway model)
        scan = models.FileField(upload_to="scans/")

        class Meta:
            app_label = "guests"

    assert _construction_plan(Document) is None
    assert _construction_plan(Visit) is not None


def test_a_fast_load_gives_the_instances_an_ordinary_load_gives(alpha):
    guest = Guest.objects.create(phone="+79160000305", first_name="Вера", tags=["a", "b"])
    Guest.objects.create(phone="+79160000306")
    ordinary = {item.pk: _fields(item) for item in Guest.objects.order_by("pk")}
    fast = {item.pk: _fields(item) for item in fast_load(Guest.objects.order_by("pk"))}
    deferred = fast_load(Guest.objects.only("phone").filter(pk=guest.pk)).get()

    assert fast == ordinary and len(fast) == 2
    assert _fields(deferred) == _fields(Guest.objects.only("phone").get(pk=guest.pk))


def test_a_raw_query_loads_fast_as_django_would(alpha):
    guest = Guest.objects.create(phone="+79160000307")
    sql = f"SELECT * FROM {PointsAccount._meta.db_table} WHERE guest_id = %s"  # noqa: S608 (a model's table)
    locked_accounts([guest.pk])  # creates the account (insert_default_rows, loaded fast too)

    (fast,) = fast_load(PointsAccount.objects.raw(sql, [guest.pk]))
    (ordinary,) = PointsAccount.objects.raw(sql, [guest.pk])
    assert _fields(fast) == _fields(ordinary) and fast._state.adding is False
    assert fast.lifetime_spend_amount == Decimal("0.00") and fast.guest_id == guest.pk


def test_a_query_with_related_rows_or_annotations_is_loaded_by_django(alpha):
    guest = Guest.objects.create(phone="+79160000308", first_name="Глеб")
    locked_accounts([guest.pk])

    account = fast_load(PointsAccount.objects.select_related("guest")).get(guest=guest)
    annotated = fast_load(Guest.objects.annotate(digits=Length("phone"))).get(pk=guest.pk)
    with CaptureQueriesContext(connection) as captured:
        assert account.guest.first_name == "Глеб"
    assert len(captured) == 0 and annotated.digits == len("+79160000308")


def test_pages_api_and_admin_load_the_hot_models_the_ordinary_way():
    """Only the reads wrapped in fast_load skip the constructor; no hot-path model changes Django's own loading."""
    for model in (Guest, Visit, PointsAccount, LedgerEntry, AppliedCheck, Receipt):
        assert model.from_db.__func__ is models.Model.from_db.__func__, model
