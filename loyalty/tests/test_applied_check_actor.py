"""A check knows who applied it: apply_check keeps the signed-in actor, and the migration that added the column gave
checks made earlier at the till their cashier back from the till's key."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from accounts.models import User
from loyalty.models import AppliedCheck
from loyalty.rules import Check
from loyalty.services import apply_check

backfill_till_actors = importlib.import_module("loyalty.migrations.0003_appliedcheck_actor").backfill_till_actors


def _apply(guest, restaurant, key, actor=None):
    check = Check(total_amount=Decimal(1000))
    return apply_check(guest=guest, check=check, restaurant=restaurant, idempotency_key=key, actor=actor)


def _actor_of(key):
    return AppliedCheck.objects.get(idempotency_key=key).actor_id


def test_check_applied_by_staff_keeps_the_actor_and_one_from_the_pos_none(alpha, guest):
    restaurant = alpha.restaurants[0]
    _apply(guest, restaurant, "api:1", actor=alpha.user("cashier"))
    _apply(guest, restaurant, "pos:1")
    _apply(guest, restaurant, "anon:1", actor=AnonymousUser())
    assert _actor_of("api:1") == alpha.user("cashier").pk
    assert _actor_of("pos:1") is None
    assert _actor_of("anon:1") is None


def test_backfill_sets_the_cashier_a_till_key_names_and_nothing_else(alpha, guest):
    center, riverside = alpha.restaurants
    cashier, manager = alpha.user("cashier"), alpha.user("manager")
    gone = User.objects.create_user("gone@alpha.test", "x-pass-123456")
    gone_id = gone.pk
    gone.delete()
    keys = {
        "own": f"till:{center.pk}:{cashier.pk}:tok1",
        "manager": f"till:{center.pk}:{manager.pk}:tok2",
        "user_gone": f"till:{center.pk}:{gone_id}:tok3",
        "other_restaurant": f"till:{riverside.pk}:{cashier.pk}:tok4",
        "malformed": f"till:x:{cashier.pk}:tok5",
        "pos": "pos:receipt-9",
    }
    for key in keys.values():
        _apply(guest, center, key)
    # A key sent through the API in the till's format: the ledger says the manager made it, not the cashier.
    _apply(guest, center, f"till:{center.pk}:{cashier.pk}:forged", actor=manager)
    keys["forged"] = f"till:{center.pk}:{cashier.pk}:forged"
    AppliedCheck.objects.update(actor=None)  # as the rows stood before the column existed

    changed = backfill_till_actors(apps, SimpleNamespace(connection=connection))

    assert changed == 2
    assert {name: _actor_of(key) for name, key in keys.items()} == {
        "own": cashier.pk,
        "manager": manager.pk,
        "user_gone": None,
        "other_restaurant": None,
        "malformed": None,
        "pos": None,
        "forged": None,
    }


def test_backfill_leaves_a_check_that_already_has_an_actor(alpha, guest):
    restaurant = alpha.restaurants[0]
    key = f"till:{restaurant.pk}:{alpha.user('cashier').pk}:tok"
    _apply(guest, restaurant, key)
    AppliedCheck.objects.filter(idempotency_key=key).update(actor=alpha.user("admin"))
    assert backfill_till_actors(apps, SimpleNamespace(connection=connection)) == 0
    assert _actor_of(key) == alpha.user("admin").pk
