"""The owner's Billing page (plan, usage bars, invoices, history) and the platform staff overview."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from billing.models import State, Subscription
from billing.selectors import platform_figures
from billing.tests.conftest import pay_first, put_on_plan, subscription_of
from tests.fixtures import client_on, signed_in_client

pytestmark = pytest.mark.django_db


def test_owner_sees_plan_usage_bars_and_invoices(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    payment_id = pay_first(alpha, fake_yookassa, platform, plan="business")
    page = signed_in_client(alpha, "owner").get("/billing/").content.decode()
    assert "Business" in page
    assert "Restaurants: 2 / 5" in page
    assert '<progress max="100" value="40"' in page
    assert "7990.00 RUB" in page and f"https://yookassa.ru/my/receipts/{payment_id}" in page
    assert "Cancel subscription" in page


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_only_the_owner_may_open_billing(alpha, role):  # type: ignore[no-untyped-def]
    assert signed_in_client(alpha, role).get("/billing/").status_code == 403
    assert signed_in_client(alpha, role).post("/billing/cancel").status_code == 403
    assert subscription_of(alpha).cancel_at_period_end is False


def test_platform_staff_see_plan_state_mrr_and_churn(alpha, beta):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business")
    put_on_plan(beta, "start", state=State.CANCELLED)
    Subscription.objects.filter(chain=beta.chain).update(cancelled_at=timezone.now())
    figures = platform_figures()
    assert figures.mrr_by_currency == {"RUB": Decimal("7990.00")}
    assert figures.churned_this_month == 1
    staff = User.objects.create_superuser("root@platform.test", "irrelevant-pass-123")
    client = client_on(settings.PLATFORM_DOMAIN)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/admin/billing/subscription/overview/").content.decode()
    assert "Alpha (alpha)" in page and "business" in page and "7990.00 RUB" in page
    assert "Churn this month" in page
    plans = client.get("/admin/billing/plan/").content.decode()
    assert "enterprise" in plans and "business" in plans
