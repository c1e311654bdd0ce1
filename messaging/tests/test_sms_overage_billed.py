"""SMS past the allowance, by the plan: a plan that bills prices the closed month's extra parts (parts, not messages)
once, and they go on the chain's next invoice (the YooKassa renewal charge, or a Stripe invoice item); a plan that
blocks owes nothing. The billing page shows the parts used, the allowance and the overage."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import Plan, SmsOverageCharge
from billing.selectors import sms_allowance, usage_period_start
from billing.services import close_sms_month
from billing.tasks import charge_yookassa_renewals
from billing.tasks import close_sms_month as close_sms_month_task
from billing.tests.conftest import (  # noqa: F401  # fixtures of the billing tests
    _fake_stripe_server,
    _fake_yookassa_server,
    fake_stripe,
    fake_yookassa,
    pay_first,
    platform,
    post_stripe,
)
from billing.tests.fake_providers import stripe_event
from billing.tests.test_yookassa_life_cycle import period_over
from messaging.models import Message, MessageStatus
from tests.fixtures import signed_in_client

pytestmark = pytest.mark.django_db

# 71 Cyrillic characters: past one UCS-2 part (70), so two parts.
TWO_PARTS = "Спасибо за визит! Ваши баллы начислены, ждём вас снова в нашем ресторане"


def _next_month() -> datetime.datetime:
    return usage_period_start() + datetime.timedelta(days=32, hours=1)


def _business_allows(alpha, parts: int, overage: str = "bill") -> None:
    """The Business plan allows `parts` SMS parts a month; back in chain alpha's schema, which the provider's
    notification to the platform host left."""
    Plan.objects.filter(code="business").update(sms_parts_per_month=parts, sms_overage=overage)
    connection.set_tenant(alpha.chain)


def test_usage_counts_parts_not_messages(alpha, twilio_chain, send_sms_to):
    message = send_sms_to(text=TWO_PARTS)

    assert (message.status, message.parts) == (MessageStatus.SENT, 2)
    assert sms_allowance(alpha.chain).used == 2


def test_a_billing_plan_adds_the_months_extra_parts_to_the_next_yookassa_charge(
    alpha,
    twilio_chain,
    send_sms_to,
    fake_yookassa,  # noqa: F811
    platform,  # noqa: F811
):
    pay_first(alpha, fake_yookassa, platform, plan="business")
    _business_allows(alpha, 1)
    send_sms_to(text=TWO_PARTS)
    send_sms_to(text="Thank you!")

    charge = close_sms_month(chain=alpha.chain, now=_next_month())
    again = close_sms_month(chain=alpha.chain, now=_next_month())
    period_over(alpha)
    charge_yookassa_renewals.apply()

    assert (charge.parts, charge.amount, charge.currency) == (2, Decimal("9.00"), "RUB")  # 4.50 a part
    assert again.pk == charge.pk and SmsOverageCharge.objects.count() == 1
    assert fake_yookassa.requests[-1]["amount"] == {"value": "7999.00", "currency": "RUB"}  # 7990 + 2 × 4.50
    charge.refresh_from_db()
    assert charge.payment is not None and charge.payment.amount == Decimal("7999.00")


def test_a_billed_charge_is_not_added_to_the_renewal_after(alpha, twilio_chain, send_sms_to, fake_yookassa, platform):  # noqa: F811
    pay_first(alpha, fake_yookassa, platform, plan="business")
    _business_allows(alpha, 0)
    send_sms_to()
    close_sms_month(chain=alpha.chain, now=_next_month())
    period_over(alpha)
    charge_yookassa_renewals.apply()

    period_over(alpha)
    charge_yookassa_renewals.apply()

    assert [request["amount"]["value"] for request in fake_yookassa.requests[-2:]] == ["7994.50", "7990.00"]


def test_a_blocking_plan_owes_nothing_for_sms(alpha, twilio_chain, send_sms_to, fake_yookassa, platform):  # noqa: F811
    pay_first(alpha, fake_yookassa, platform, plan="business")
    _business_allows(alpha, 1, overage="block")
    send_sms_to()
    blocked = send_sms_to()

    charge = close_sms_month(chain=alpha.chain, now=_next_month())
    period_over(alpha)
    charge_yookassa_renewals.apply()

    assert blocked.status == MessageStatus.SUPPRESSED
    assert charge is None and not SmsOverageCharge.objects.exists()
    assert fake_yookassa.requests[-1]["amount"] == {"value": "7990.00", "currency": "RUB"}


def test_on_stripe_the_overage_becomes_an_item_of_the_next_invoice(
    alpha,
    twilio_chain,
    send_sms_to,
    fake_stripe,  # noqa: F811
    platform,  # noqa: F811
):
    owner = signed_in_client(alpha, "owner")
    checkout = owner.post("/billing/checkout", {"plan": "business", "provider": "stripe"})
    session = fake_stripe.complete_checkout(checkout["Location"].rsplit("/", 1)[1])
    post_stripe(platform, stripe_event("checkout.session.completed", session))
    _business_allows(alpha, 1)
    send_sms_to()
    send_sms_to()

    charge = close_sms_month(chain=alpha.chain, now=_next_month())
    close_sms_month(chain=alpha.chain, now=_next_month())

    [item] = fake_stripe.invoice_items.values()
    assert (item["amount"], item["currency"], item["customer"]) == (450, "rub", session["customer"])
    assert item["subscription"] == session["subscription"] and charge.provider_item_id == item["id"]


def test_the_billing_page_shows_parts_allowance_and_overage(alpha, twilio_chain, send_sms_to, fake_yookassa, platform):  # noqa: F811
    pay_first(alpha, fake_yookassa, platform, plan="business")
    _business_allows(alpha, 1)
    send_sms_to(text=TWO_PARTS)
    close_sms_month(chain=alpha.chain, now=timezone.now() + datetime.timedelta(days=32))

    page = signed_in_client(alpha, "owner").get("/billing/").content.decode()

    assert "SMS parts: 2 / 1" in page
    assert "1 part at 4.50 RUB = 4.50 RUB owed for this month" in page
    assert 'data-testid="sms-overage-charges"' in page and "4.50 RUB" in page


def test_the_monthly_task_closes_last_month_in_the_chains_schema(
    alpha,
    twilio_chain,
    send_sms_to,
    fake_yookassa,  # noqa: F811
    platform,  # noqa: F811
):
    pay_first(alpha, fake_yookassa, platform, plan="business")
    _business_allows(alpha, 1)
    sent = [send_sms_to(), send_sms_to()]
    last_month = usage_period_start() - datetime.timedelta(days=3)
    Message.objects.filter(pk__in=[message.pk for message in sent]).update(sent_at=last_month)  # as if sent then

    answer = close_sms_month_task.apply().get()

    assert answer == "4.50 RUB"
    assert SmsOverageCharge.objects.get().month == last_month.date().replace(day=1)
