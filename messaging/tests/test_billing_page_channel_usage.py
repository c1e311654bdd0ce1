"""The Billing page shows this month's messages by channel: SMS parts of the plan's allowance (with the block
warning, or the extra parts priced on a billing plan), emails and Telegram messages."""

from __future__ import annotations

import pytest

from billing.models import Plan
from billing.services import ensure_subscription
from billing.tests.conftest import put_on_plan
from tests.fixtures import signed_in_client

LONG_TEXT = "x" * 200  # GSM-7: two parts


def _on_start_plan(alpha, allowance: int, overage: str = "block", price: str | None = None) -> None:
    Plan.objects.filter(code="start").update(
        sms_parts_per_month=allowance, sms_overage=overage, sms_part_price_rub=price, sms_part_price_usd=price
    )
    ensure_subscription(chain=alpha.chain)
    put_on_plan(alpha, "start")


def _billing_page(alpha) -> str:
    return signed_in_client(alpha, "owner").get("/billing/").content.decode()


def test_the_page_counts_sms_parts_and_emails_of_this_month(alpha, twilio_chain, sendgrid, send_sms_to, send_email_to):
    _on_start_plan(alpha, 5)
    send_sms_to(text=LONG_TEXT)
    send_email_to("guest@example.com")

    page = _billing_page(alpha)

    assert "SMS parts: 2 / 5" in page
    assert "Emails: 1" in page
    assert "Telegram messages: 0" in page
    assert "The SMS allowance is used up" not in page


def test_a_used_up_allowance_is_shown_as_blocked(alpha, twilio_chain, send_sms_to):
    _on_start_plan(alpha, 2)
    send_sms_to(text=LONG_TEXT)

    page = _billing_page(alpha)

    assert "SMS parts: 2 / 2" in page
    assert "The SMS allowance is used up" in page


def test_a_billing_plan_shows_the_extra_parts_and_their_price(alpha, twilio_chain, send_sms_to):
    _on_start_plan(alpha, 1, overage="bill", price="4.50")
    send_sms_to(text=LONG_TEXT)

    page = _billing_page(alpha)

    assert "SMS parts: 2 / 1" in page
    assert "1 part at 4.50 RUB = 4.50 RUB" in page


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_roles_without_billing_rights_do_not_see_it(alpha, role):
    response = signed_in_client(alpha, role).get("/billing/")

    assert response.status_code in (302, 403)
