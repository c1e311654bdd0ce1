"""The plan's monthly SMS allowance (parts sent this month): under it SMS goes out; at it, a plan that blocks makes
SMS unreachable (the message falls to the guest's next channel, or is logged as not sent with the reason), for
transactional messages too; a plan that bills lets SMS go on and counts the extra parts at its price."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Plan
from billing.selectors import sms_allowance
from billing.services import ensure_subscription
from billing.tests.conftest import put_on_plan
from messaging.channels import Refusal, choose_channel
from messaging.models import Message, MessageStatus
from messaging.selectors import messaging_settings
from messaging.services import deliver_message, send_to_guest, update_messaging_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_plan(alpha):
    """on_plan(allowance, overage="block"): alpha on the Start plan with that SMS allowance."""

    def arrange(allowance: int | None, overage: str = "block", price: str | None = None) -> None:
        Plan.objects.filter(code="start").update(
            sms_parts_per_month=allowance, sms_overage=overage, sms_part_price_rub=price, sms_part_price_usd=price
        )
        ensure_subscription(chain=alpha.chain)
        put_on_plan(alpha, "start")

    return arrange


def _send(guest, key: str, *, kind: str = "receipt", django_capture_on_commit_callbacks) -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_guest(guest=guest, kind=kind, text="Thank you!", dedupe_key=key)
    return Message.objects.get(pk=message.pk)


def test_under_the_allowance_sms_goes_out(alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks):
    on_plan(2)
    guest = make_guest(consents={"sms": True})

    message = _send(guest, "a:1", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert (message.channel, message.status) == ("sms", MessageStatus.SENT)
    assert sms_allowance(alpha.chain).used == 1


def test_at_the_allowance_a_blocking_plan_logs_the_reason(
    alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks
):
    on_plan(2)
    guest = make_guest(consents={"sms": True})
    for key in ("b:1", "b:2"):
        assert _send(guest, key, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks).channel == "sms"

    third = _send(guest, "b:3", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert (third.status, third.reason) == (MessageStatus.SUPPRESSED, Refusal.SMS_ALLOWANCE)
    assert len(twilio_chain.received) == 2
    assert sms_allowance(alpha.chain).is_blocked


def test_over_the_allowance_marketing_falls_to_the_next_channel(
    alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks
):
    on_plan(1)
    guest = make_guest(email="g@example.com", consents={"sms": True, "email": True})
    update_messaging_settings(actor=alpha.user("owner"), channel_order=["sms", "email", "telegram"])
    _send(guest, "c:1", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    choice = choose_channel(guest=guest, is_marketing=True, settings=messaging_settings(), now=timezone.now())

    assert (choice.channel, choice.recipient) == ("email", "g@example.com")


def test_a_billing_plan_keeps_sending_and_prices_the_extra_parts(
    alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks
):
    on_plan(1, overage="bill", price="4.50")
    guest = make_guest(consents={"sms": True})
    _send(guest, "d:1", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    second = _send(guest, "d:2", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert (second.channel, second.status) == ("sms", MessageStatus.SENT)
    allowance = sms_allowance(alpha.chain)
    assert (allowance.is_blocked, allowance.extra_parts, allowance.extra_amount) == (False, 1, Decimal("4.50"))


def test_an_unlimited_plan_never_blocks(alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks):
    on_plan(None)
    guest = make_guest(consents={"sms": True})
    _send(guest, "e:1", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert not sms_allowance(alpha.chain).is_blocked


def test_a_message_waiting_when_the_allowance_runs_out_is_not_sent(
    alpha, twilio_chain, on_plan, make_guest, django_capture_on_commit_callbacks
):
    on_plan(1)
    guest = make_guest(consents={"sms": True})
    with django_capture_on_commit_callbacks(execute=False):  # logged and queued, its task not run yet
        waiting = send_to_guest(guest=guest, kind="receipt", text="Thank you!", dedupe_key="f:1")
    _send(guest, "f:2", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    deliver_message(message_id=waiting.pk)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (MessageStatus.SUPPRESSED, Refusal.SMS_ALLOWANCE)
    assert len(twilio_chain.received) == 1
