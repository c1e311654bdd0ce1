"""A quote carries what is left to pay in money (loyalty.rules, rule 6): the check total less the points it spends
at the point value. The till and the API's /quote show that figure; neither computes it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from loyalty import rules
from loyalty.models import EntryKind
from loyalty.services import grant_program_bonus, update_program_settings
from tests.fixtures import api_as, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("total", "requested", "point_value", "payable"),
    [
        ("1000.00", 0, "1", "1000.00"),  # nothing spent: the whole check
        ("1000.00", 300, "1", "700.00"),
        ("1000.00", 900, "1", "500.00"),  # the share cap (50 %) cuts the spending, and so what is paid
        ("999.99", 100, "0.50", "949.99"),  # a point worth half a rouble
        ("1000.00", 300, "2", "500.00"),  # capped at 250 points of 2.00
    ],
)
def test_payable_amount_is_the_total_less_the_money_paid_with_points(total, requested, point_value, payable):
    program = rules.ProgramSnapshot(max_redeem_share_percent=Decimal(50), point_value_amount=Decimal(point_value))
    quote = rules.quote_check(
        program, None, (), rules.Check(total_amount=Decimal(total), points_to_spend=requested), available_points=10_000
    )
    assert quote.payable_amount == Decimal(payable)
    assert quote.payable_amount == Decimal(total) - quote.spend_points * Decimal(point_value)


@pytest.fixture
def guest_with_points(alpha, guest):
    update_program_settings(
        actor=None, changes={"max_redeem_share_percent": 50, "point_value_amount": "0.50", "min_redeem_points": 1}
    )
    grant_program_bonus(guest=guest, points=1000, kind=EntryKind.WELCOME, idempotency_key="seed", reason="seed")
    return guest


def test_api_quote_answers_the_amount_left_to_pay(alpha, guest_with_points):
    response = api_as(alpha, "cashier").post(
        "/api/v1/quote",
        {"guest_id": guest_with_points.pk, "total_amount": "999.99", "points_to_spend": 100},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["spend_points"], response.json()["payable_amount"]) == (100, "949.99")


def test_till_quote_shows_the_amount_left_to_pay(alpha, guest_with_points):
    client = signed_in_client(alpha, "cashier")
    page = client.get(f"/cashier/guests/{guest_with_points.pk}/", **HTMX).content.decode()
    key = re.search(r'name="operation_key" value="([^"]+)"', page).group(1)
    form = {"amount": "999.99", "points_to_spend": "100", "operation_key": key}
    html = client.post(f"/cashier/guests/{guest_with_points.pk}/quote/", form, **HTMX).content.decode()
    assert re.search(r"To pay</span><strong>949\.99 ", html), html
