"""Spending a guest's points is one rule (loyalty.rights.require_redeem_right), checked by the services that spend
(redeem_points, apply_check): the API's redeem and check answer 403 `redeem_not_allowed`, the till shows the same
refusal as a readable message instead of silently spending nothing.

Every role that may use the till may spend today, so "a role without the right" is made by taking the right out
of the one role map (accounts.roles.ROLE_PERMISSIONS) for the test: both doors must follow it without a change."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from accounts.roles import ROLE_PERMISSIONS, Permission
from loyalty.errors import RedeemNotAllowed
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, PointsAccount
from loyalty.services import grant_program_bonus, redeem_points, update_program_settings
from tests.fixtures import api_as, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def guest_with_500(alpha, guest):
    update_program_settings(
        actor=None, changes={"min_redeem_points": 1, "max_redeem_share_percent": 50, "activation_delay_hours": 0}
    )
    grant_program_bonus(guest=guest, points=500, kind=EntryKind.WELCOME, idempotency_key="seed", reason="seed")
    return guest


@pytest.fixture
def cashier_without_redeem_right(monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CASHIER, ROLE_PERMISSIONS[Role.CASHIER] - {Permission.REDEEM_POINTS})


def _available(guest) -> int:
    return PointsAccount.objects.get(guest=guest).available


def _api_redeem(world, role, guest, key):
    body = {"points": 100, "restaurant_id": world.restaurants[0].pk}
    return api_as(world, role).post(f"/api/v1/guests/{guest.pk}/redeem", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _api_check(world, role, guest, key):
    body = {"total_amount": "1000.00", "points_to_spend": 100, "restaurant_id": world.restaurants[0].pk}
    return api_as(world, role).post(f"/api/v1/guests/{guest.pk}/checks", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _till_apply(world, role, guest):
    client = signed_in_client(world, role)
    page = client.get(f"/cashier/guests/{guest.pk}/", **HTMX).content.decode()
    key = re.search(r'name="operation_key" value="([^"]+)"', page).group(1)
    form = {"amount": "1000", "points_to_spend": "100", "operation_key": key}
    return client.post(f"/cashier/guests/{guest.pk}/apply/", form, **HTMX)


def test_the_service_refuses_staff_spending_outside_their_restaurants(alpha, guest_with_500):
    with pytest.raises(RedeemNotAllowed):
        redeem_points(
            guest=guest_with_500,
            points=100,
            idempotency_key="elsewhere",
            restaurant=alpha.restaurants[1],
            actor=alpha.user("cashier"),
        )
    assert _available(guest_with_500) == 500
    spent = redeem_points(
        guest=guest_with_500,
        points=100,
        idempotency_key="own",
        restaurant=alpha.restaurants[0],
        actor=alpha.user("cashier"),
    )
    assert spent.points == -100


def test_the_system_spends_without_a_staff_right(alpha, guest_with_500):
    redeem_points(guest=guest_with_500, points=100, idempotency_key="pos", restaurant=alpha.restaurants[1])
    assert _available(guest_with_500) == 400


@pytest.mark.usefixtures("cashier_without_redeem_right")
def test_api_redeem_refuses_a_role_without_the_right(alpha, guest_with_500):
    refused = _api_redeem(alpha, "cashier", guest_with_500, "cashier-redeem")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "redeem_not_allowed"
    assert _available(guest_with_500) == 500

    allowed = _api_redeem(alpha, "manager", guest_with_500, "manager-redeem")
    assert allowed.status_code == 201, allowed.json()
    assert _available(guest_with_500) == 400


@pytest.mark.usefixtures("cashier_without_redeem_right")
def test_api_check_refuses_spending_by_a_role_without_the_right(alpha, guest_with_500):
    refused = _api_check(alpha, "cashier", guest_with_500, "cashier-check")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "redeem_not_allowed"
    assert not AppliedCheck.objects.filter(guest=guest_with_500).exists()

    allowed = _api_check(alpha, "manager", guest_with_500, "manager-check")
    assert allowed.status_code == 201, allowed.json()
    assert allowed.json()["spent"] == 100


@pytest.mark.usefixtures("cashier_without_redeem_right")
def test_till_shows_the_refusal_instead_of_spending_nothing(alpha, guest_with_500):
    refused = _till_apply(alpha, "cashier", guest_with_500)
    assert refused.status_code == 403
    assert "Your role may not spend a guest&#x27;s points here" in refused.content.decode()
    assert not AppliedCheck.objects.filter(guest=guest_with_500).exists()
    assert not LedgerEntry.objects.filter(guest=guest_with_500, kind=EntryKind.REDEMPTION).exists()

    allowed = _till_apply(alpha, "manager", guest_with_500)
    assert allowed.status_code == 200
    assert "100 spent" in allowed.content.decode()
    assert AppliedCheck.objects.get(guest=guest_with_500).points_spent == 100


def test_a_cashier_with_the_right_spends_at_both_doors(alpha, guest_with_500):
    assert _api_redeem(alpha, "cashier", guest_with_500, "api").status_code == 201
    assert "100 spent" in _till_apply(alpha, "cashier", guest_with_500).content.decode()
    assert _available(guest_with_500) == 300 + 45  # the till's check also earned 5 % of the 900 paid in money
