"""The move of Restaurant from pos to restaurants keeps a chain's data: a schema migrated from before the move to
after it has the same restaurants with the same ids, its guests and visits still point at them, and a cashier's
guardian grant on a restaurant still lets them work there. Migrating back and forth again (post_migrate having made
a fresh content type meanwhile) keeps the grant too.

The "before" rows are written with the historical models of that state: no production code writes them any more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from guardian.core import ObjectPermissionChecker

from accounts.access import assigned_restaurant_ids
from accounts.models import User
from accounts.roles import RESTAURANT_PERMISSION
from audit.models import AuditEntry
from guests.models import Guest, Visit
from restaurants.models import Restaurant

SCHEMA = "restaurant_move_check"

BEFORE_THE_MOVE = [
    ("pos", "0005_rejected_attempts_counted_per_minute"),
    ("guests", "0003_single_column_fk_indexes_dropped"),
    ("loyalty", "0004_grant_limits_and_referrals"),
    ("analytics", "0004_guest_month_cohort_index_guest"),
    ("telegram_bot", "0001_initial"),
    ("audit", "0001_initial"),
    ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
]
# Migrating back also unapplies the move itself and everything that depends on it.
BACK_BEFORE_THE_MOVE = [*BEFORE_THE_MOVE, ("restaurants", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()  # its cache is per database, not per schema
    return executor


def _everything() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_schema(db: None) -> Iterator[None]:
    """A chain schema of its own, migrated only up to the state before the move (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{SCHEMA}"')
    connection.set_schema(SCHEMA)
    ContentType.objects.clear_cache()
    try:
        _migrate(BACK_BEFORE_THE_MOVE)
        yield
    finally:
        ContentType.objects.clear_cache()
        connection.set_schema_to_public()


def _post_migrate_for_restaurants() -> None:
    """What migrate's post_migrate does for the restaurants app with today's code: its content type, permissions."""
    config = current_apps.get_app_config("restaurants")
    create_contenttypes(config, verbosity=0)
    create_permissions(config, verbosity=0)
    ContentType.objects.clear_cache()


def _works_at(user: User, restaurant: Restaurant) -> bool:
    ContentType.objects.clear_cache()
    return restaurant.pk in assigned_restaurant_ids(user) and ObjectPermissionChecker(user).has_perm(
        RESTAURANT_PERMISSION.split(".")[1], restaurant
    )


def test_a_chain_migrated_across_the_move_keeps_restaurants_guests_visits_and_grants(old_schema):
    state = MigrationExecutor(connection).loader.project_state(BEFORE_THE_MOVE).apps
    OldRestaurant = state.get_model("pos", "Restaurant")  # noqa: N806
    OldGuest = state.get_model("guests", "Guest")  # noqa: N806
    OldVisit = state.get_model("guests", "Visit")  # noqa: N806
    OldContentType = state.get_model("contenttypes", "ContentType")  # noqa: N806
    OldPermission = state.get_model("auth", "Permission")  # noqa: N806
    OldGrant = state.get_model("guardian", "UserObjectPermission")  # noqa: N806
    OldAuditEntry = state.get_model("audit", "AuditEntry")  # noqa: N806

    center = OldRestaurant.objects.create(name="Center", address="Main st. 1")
    riverside = OldRestaurant.objects.create(name="Riverside", status="paused")
    guest = OldGuest.objects.create(phone="+79160000201", home_restaurant_id=riverside.pk)
    visit = OldVisit.objects.create(
        guest_id=guest.pk,
        restaurant_id=center.pk,
        visited_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        check_amount=Decimal("1500.00"),
    )
    # What post_migrate and accounts.services.set_restaurants made before the move.
    content_type = OldContentType.objects.create(app_label="pos", model="restaurant")
    permission = OldPermission.objects.create(
        content_type=content_type, codename="work_at_restaurant", name="Works at this restaurant"
    )
    cashier = User.objects.create_user("cashier@move.test", "correct-horse-battery-9")
    OldGrant.objects.create(user_id=cashier.pk, permission=permission, content_type=content_type, object_pk=center.pk)
    OldAuditEntry.objects.create(
        actor_label="system", action="restaurant.created", object_type="pos.restaurant", object_id=str(center.pk)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as if committed: no pending foreign-key checks

    _migrate(_everything())

    assert list(Restaurant.objects.order_by("id").values_list("id", "name", "status")) == [
        (center.pk, "Center", "active"),
        (riverside.pk, "Riverside", "paused"),
    ]
    assert Guest.objects.get(pk=guest.pk).home_restaurant_id == riverside.pk
    assert Visit.objects.get(pk=visit.pk).restaurant_id == center.pk
    assert Restaurant._meta.db_table == "restaurants_restaurant"
    moved = ContentType.objects.get(pk=content_type.pk)
    assert (moved.app_label, moved.model) == ("restaurants", "restaurant")
    assert _works_at(cashier, Restaurant.objects.get(pk=center.pk))
    assert not _works_at(cashier, Restaurant.objects.get(pk=riverside.pk))
    assert AuditEntry.objects.get(object_id=str(center.pk)).object_type == "restaurants.restaurant"
    # New restaurants keep counting from the old sequence; the database still guards the guests' references.
    created = Restaurant.objects.create(name="Harbour")
    assert created.pk > riverside.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = 'restaurants_restaurant'::regclass"
        )
        assert cursor.fetchone()[0] >= 9  # guests (2), loyalty (3), analytics (2), telegram (1), pos (2)

    # Back to before the move with today's code, whose post_migrate makes a fresh restaurants content type, and
    # forward again: the grant made before the move still holds, on one content type.
    _migrate(BACK_BEFORE_THE_MOVE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app_label FROM django_content_type WHERE id = %s", [content_type.pk])
        assert cursor.fetchone()[0] == "pos"
        cursor.execute("SELECT name FROM pos_restaurant WHERE id = %s", [center.pk])
        assert cursor.fetchone()[0] == "Center"
    _post_migrate_for_restaurants()
    _migrate(_everything())

    assert list(ContentType.objects.filter(model="restaurant").values_list("pk", "app_label")) == [
        (content_type.pk, "restaurants")
    ]
    assert _works_at(cashier, Restaurant.objects.get(pk=center.pk))
