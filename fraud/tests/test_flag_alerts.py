"""New flags reach the reviewers (owners and admins) as soon as they commit (a task queued after commit), once per
flag: in Telegram those who linked their chat, by email the rest; an owner's chosen alert address replaces the
unlinked reviewers' emails; a Telegram refusal falls back to email."""

from __future__ import annotations

from django.core import mail

from fraud.models import FraudFlag, FraudRule
from fraud.services import send_flag_alerts, update_fraud_settings
from telegram_bot.models import StaffTelegramLink
from tests.checks import send_checks

from .conftest import checks_within_an_hour

OWNER_CHAT = 660_001


def test_the_owner_and_admin_are_emailed_about_a_new_flag_with_its_link(alpha, velocity_flag):
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [alpha.user("owner").email, alpha.user("admin").email]
    )
    assert all(f"/fraud/{velocity_flag.pk}/" in message.body for message in mail.outbox)
    velocity_flag.refresh_from_db()
    assert velocity_flag.alerted_at is not None


def test_managers_and_cashiers_are_not_alerted(alpha, velocity_flag):
    addresses = {address for message in mail.outbox for address in message.to}
    assert alpha.user("manager").email not in addresses
    assert alpha.user("cashier").email not in addresses


def test_a_flag_is_announced_once(alpha, velocity_flag):
    assert send_flag_alerts(flag_ids=[velocity_flag.pk]) == 0
    assert len(mail.outbox) == 2


def test_the_alert_goes_to_the_address_the_owner_chose(alpha, guest, access_of):
    update_fraud_settings(access=access_of("owner"), alert_email="security@alpha.test")
    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))
    [message] = mail.outbox
    assert message.to == ["security@alpha.test"]


def test_an_owner_who_linked_telegram_gets_the_alert_there(alpha, guest, link_staff_telegram, telegram_api):
    link_staff_telegram("owner", OWNER_CHAT)
    telegram_api.calls.clear()

    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))

    [alert] = telegram_api.texts(OWNER_CHAT)
    flag = FraudFlag.objects.get(rule=FraudRule.VELOCITY, guest=guest)
    assert f"/fraud/{flag.pk}/" in alert
    assert [message.to for message in mail.outbox] == [[alpha.user("admin").email]]  # the admin is not linked


def test_telegram_goes_on_beside_the_owners_alert_address(alpha, guest, access_of, link_staff_telegram, telegram_api):
    update_fraud_settings(access=access_of("owner"), alert_email="security@alpha.test")
    link_staff_telegram("owner", OWNER_CHAT)
    telegram_api.calls.clear()

    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))

    assert len(telegram_api.texts(OWNER_CHAT)) == 1
    assert [message.to for message in mail.outbox] == [["security@alpha.test"]]


def test_an_owner_who_blocked_the_bot_is_emailed_instead(alpha, guest, link_staff_telegram, telegram_api):
    link_staff_telegram("owner", OWNER_CHAT)
    telegram_api.failures[OWNER_CHAT] = [(403, "Forbidden: bot was blocked by the user", {})]

    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))

    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [alpha.user("owner").email, alpha.user("admin").email]
    )
    assert StaffTelegramLink.objects.get(user=alpha.user("owner")).unreachable_at is not None
