"""In a real browser, a refusal at the till is shown where the cashier looks: the part the server answers with a 4xx
(here: spending points without the right, loyalty.rights) is swapped in like any other, and nothing is spent."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from accounts.models import Role
from accounts.roles import ROLE_PERMISSIONS, Permission
from guests.services import create_guest
from loyalty.errors import RedeemNotAllowed
from loyalty.models import AppliedCheck, EntryKind, PointsAccount
from loyalty.services import grant_program_bonus, update_program_settings
from tests.browser import chain_url, committed, screenshot
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PHONE = "+79267770011"


def test_a_cashier_without_the_redeem_right_sees_the_refusal(worlds, live_site, page, monkeypatch):
    world = worlds["alpha"]
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CASHIER, ROLE_PERMISSIONS[Role.CASHIER] - {Permission.REDEEM_POINTS})

    def guest_with_points() -> int:
        with schema_context(world.chain.schema_name):
            update_program_settings(actor=None, changes={"min_redeem_points": 1, "max_redeem_share_percent": 50})
            guest = create_guest(
                access=None, phone=PHONE, first_name="Вера", home_restaurant_id=world.restaurants[0].pk
            )
            grant_program_bonus(
                guest=guest, points=300, kind=EntryKind.WELCOME, idempotency_key="browser-seed", reason="seed"
            )
            return guest.pk

    guest_id = committed(guest_with_points)
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "cashier@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/cashier/")
    page.fill("#till-q", PHONE)
    page.press("#till-q", "Enter")
    page.wait_for_selector("[data-testid=available]")

    page.fill("#till-panel input[name=amount]", "1000")
    page.fill("#till-panel input[name=points_to_spend]", "100")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("#till-panel .form-errors")
    screenshot(page, "till-refusal-redeem-right")
    with translation.override("ru"):  # the browser asks for Russian
        assert str(RedeemNotAllowed.message) in page.inner_text("#till-panel .form-errors")
    assert page.input_value("#till-panel input[name=points_to_spend]") == "100"  # the input is kept

    def state() -> tuple[int, bool]:
        with schema_context(world.chain.schema_name):
            available = PointsAccount.objects.get(guest_id=guest_id).available
            return available, AppliedCheck.objects.filter(guest_id=guest_id).exists()

    assert committed(state) == (300, False)
