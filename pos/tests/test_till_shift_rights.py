"""Whose operations the till's shift list shows and who may undo them: a cashier their own (within the undo window),
a manager every staff-made check of the restaurant; ownership is the check's actor, never its key."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import grant_membership, obtain_user
from loyalty.models import AppliedCheck
from loyalty.rules import Check
from loyalty.services import apply_check, update_program_settings
from pos.tests.conftest import balance
from tests.fixtures import PASSWORD, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def program(alpha):
    update_program_settings(
        actor=None, changes={"base_earn_rate_percent": 10, "activation_delay_hours": 0, "undo_window_minutes": 15}
    )


@pytest.fixture
def second_cashier(alpha):
    user = obtain_user(
        email="cashier2@alpha.test", password=PASSWORD, client_address="127.0.0.1", full_name="Second Cashier"
    )
    grant_membership(user=user, chain_id=alpha.chain.id, role=Role.CASHIER, restaurants=alpha.restaurants[:1])
    return user


def _check(guest, restaurant, *, actor, amount, key):
    return apply_check(
        guest=guest, check=Check(total_amount=Decimal(amount)), restaurant=restaurant, idempotency_key=key, actor=actor
    ).applied_check


def _shift_rows(client):
    html = client.get("/cashier/shift/", **HTMX).content.decode()
    return html, {amount for amount in ("111.00", "222.00", "333.00", "444.00") if amount in html}


@pytest.fixture
def shift(alpha, guest, program, second_cashier):
    """Checks at restaurants[0]: one by each cashier, one from the POS, one by the cashier two days ago."""
    center, cashier = alpha.restaurants[0], alpha.user("cashier")
    mine = _check(guest, center, actor=cashier, amount=111, key=f"till:{center.pk}:{cashier.pk}:a")
    theirs = _check(guest, center, actor=second_cashier, amount=222, key=f"till:{center.pk}:{second_cashier.pk}:b")
    _check(guest, center, actor=None, amount=333, key="pos:receipt-1")
    old = _check(guest, center, actor=cashier, amount=444, key=f"till:{center.pk}:{cashier.pk}:c")
    AppliedCheck.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    return {"mine": mine, "theirs": theirs}


def test_cashier_sees_only_own_operations_of_the_shift(alpha, shift):
    _html, amounts = _shift_rows(signed_in_client(alpha, "cashier"))
    assert amounts == {"111.00"}


def test_manager_sees_every_staff_made_check_of_the_shift(alpha, shift):
    _html, amounts = _shift_rows(signed_in_client(alpha, "manager"))
    assert amounts == {"111.00", "222.00"}


def test_a_key_in_the_tills_format_does_not_make_a_check_someones_own(alpha, guest, program, second_cashier):
    cashier = alpha.user("cashier")
    forged_key = f"till:{alpha.restaurants[0].pk}:{cashier.pk}:forged"
    applied = _check(guest, alpha.restaurants[0], actor=second_cashier, amount=222, key=forged_key)
    client = signed_in_client(alpha, "cashier")
    assert _shift_rows(client)[1] == set()
    assert client.post(f"/cashier/operations/{applied.pk}/undo/", **HTMX).status_code == 409
    assert AppliedCheck.objects.get(pk=applied.pk).reversed_at is None


def test_cashier_cannot_undo_another_cashiers_check(alpha, guest, shift):
    theirs = shift["theirs"]
    response = signed_in_client(alpha, "cashier").post(f"/cashier/operations/{theirs.pk}/undo/", **HTMX)
    assert response.status_code == 409
    assert "Ask a manager" in response.content.decode()
    assert AppliedCheck.objects.get(pk=theirs.pk).reversed_at is None
    assert balance(guest) == 11 + 22 + 33 + 44


def test_cashier_cannot_undo_own_check_past_the_window(alpha, guest, shift):
    mine = shift["mine"]
    AppliedCheck.objects.filter(pk=mine.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    client = signed_in_client(alpha, "cashier")
    assert 'action="/cashier/operations/' not in _shift_rows(client)[0]  # no undo button any more
    response = client.post(f"/cashier/operations/{mine.pk}/undo/", **HTMX)
    assert response.status_code == 409
    assert AppliedCheck.objects.get(pk=mine.pk).reversed_at is None


def test_cashier_undoes_own_check_within_the_window(alpha, guest, shift):
    mine = shift["mine"]
    client = signed_in_client(alpha, "cashier")
    assert f'action="/cashier/operations/{mine.pk}/undo/"' in _shift_rows(client)[0]
    assert client.post(f"/cashier/operations/{mine.pk}/undo/", **HTMX).status_code == 200
    assert AppliedCheck.objects.get(pk=mine.pk).reversed_at is not None
    assert balance(guest) == 22 + 33 + 44


def test_manager_undoes_a_cashiers_check_past_the_window(alpha, guest, shift):
    theirs = shift["theirs"]
    AppliedCheck.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - datetime.timedelta(hours=3))
    response = signed_in_client(alpha, "manager").post(f"/cashier/operations/{theirs.pk}/undo/", **HTMX)
    assert response.status_code == 200
    assert AppliedCheck.objects.get(pk=theirs.pk).reversed_at is not None
    assert balance(guest) == 11 + 33 + 44


def test_a_check_from_the_pos_is_not_undone_at_the_till(alpha, guest, shift):
    from_pos = AppliedCheck.objects.get(idempotency_key="pos:receipt-1")
    response = signed_in_client(alpha, "manager").post(f"/cashier/operations/{from_pos.pk}/undo/", **HTMX)
    assert response.status_code == 409
    assert AppliedCheck.objects.get(pk=from_pos.pk).reversed_at is None
