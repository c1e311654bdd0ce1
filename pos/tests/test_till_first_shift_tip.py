"""The cashier's first shift: the till shows a one-screen tip (find by phone, register in one step, accrue, undo)
until the staff member dismisses it, once per user and remembered by the server; and registering a new guest and
accruing their first check takes two screens: the "not found" panel with its registration form, then the guest's
panel with the check form."""

from __future__ import annotations

import re

from accounts.models import Role, User
from accounts.services import grant_membership
from loyalty.models import AppliedCheck
from loyalty.services import update_program_settings
from pos.models import TillTipDismissal
from tests.fixtures import PASSWORD, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}
TIP = 'data-testid="till-tip"'


def test_first_visit_to_the_till_shows_the_tip_with_its_four_steps(alpha):
    html = signed_in_client(alpha, "cashier").get("/cashier/").content.decode()
    assert TIP in html
    for step in ("Find the guest.", "Register in one step.", "Accrue points.", "Undo."):
        assert step in html


def test_dismissed_tip_is_not_shown_again(alpha):
    cashier = signed_in_client(alpha, "cashier")
    response = cashier.post("/cashier/tip/dismiss/", **HTMX)
    assert response.status_code == 200
    assert response.content == b""  # htmx swaps the tip away
    assert TIP not in cashier.get("/cashier/").content.decode()
    assert TIP not in signed_in_client(alpha, "cashier").get("/cashier/").content.decode()  # another session too
    assert TillTipDismissal.objects.filter(user_id=alpha.user("cashier").pk).count() == 1


def test_dismissing_without_htmx_returns_to_the_till_and_twice_changes_nothing(alpha):
    cashier = signed_in_client(alpha, "cashier")
    assert cashier.post("/cashier/tip/dismiss/")["Location"] == "/cashier/"
    cashier.post("/cashier/tip/dismiss/")
    assert TillTipDismissal.objects.count() == 1


def test_another_cashier_still_sees_the_tip_after_one_dismissed_it(alpha):
    signed_in_client(alpha, "cashier").post("/cashier/tip/dismiss/", **HTMX)
    other = User.objects.create_user("second-cashier@alpha.test", PASSWORD, full_name="Second Cashier")
    grant_membership(user=other, chain_id=alpha.chain.id, role=Role.CASHIER, restaurants=alpha.restaurants[:1])
    alpha.users["second"] = other
    assert TIP in signed_in_client(alpha, "second").get("/cashier/").content.decode()


def test_register_and_accrue_takes_two_screens(alpha):
    update_program_settings(actor=None, changes={"base_earn_rate_percent": 10, "activation_delay_hours": 0})
    cashier = signed_in_client(alpha, "cashier")
    # Screen 1: the phone found nobody; the registration form is right there, the phone filled in.
    first = cashier.get("/cashier/find/", {"q": "+79035550077"}, **HTMX).content.decode()
    assert 'action="/cashier/register/"' in first
    assert 'value="+79035550077"' in first
    # Screen 2: registering opens the new guest's panel with the check form ready.
    second = cashier.post("/cashier/register/", {"phone": "+79035550077", "first_name": "Pavel"}, **HTMX)
    html = second.content.decode()
    assert "Guest registered" in html
    apply_url = re.search(r'action="(/cashier/guests/\d+/apply/)"', html)[1]
    key = re.search(r'name="operation_key" value="([^"]+)"', html)[1]
    # Confirming the check answers on the same screen.
    done = cashier.post(apply_url, {"amount": "1000", "points_to_spend": "0", "operation_key": key}, **HTMX)
    assert "+100 earned" in done.content.decode()
    assert AppliedCheck.objects.get().guest.first_name == "Pavel"
