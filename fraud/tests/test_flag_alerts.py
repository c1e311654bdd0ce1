"""New flags reach the owner by email as soon as they commit (a task queued after commit), once per flag; the
owner may name another address for the alerts."""

from __future__ import annotations

from django.core import mail

from fraud.services import send_flag_alerts, update_fraud_settings
from tests.checks import send_checks

from .conftest import checks_within_an_hour


def test_the_owner_is_emailed_about_a_new_flag_with_its_link(alpha, velocity_flag):
    [message] = mail.outbox
    assert message.to == [alpha.user("owner").email]
    assert f"/fraud/{velocity_flag.pk}/" in message.body
    velocity_flag.refresh_from_db()
    assert velocity_flag.alerted_at is not None


def test_a_flag_is_announced_once(alpha, velocity_flag):
    assert send_flag_alerts(flag_ids=[velocity_flag.pk]) == 0
    assert len(mail.outbox) == 1


def test_the_alert_goes_to_the_address_the_owner_chose(alpha, guest, access_of):
    update_fraud_settings(access=access_of("owner"), alert_email="security@alpha.test")
    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))
    [message] = mail.outbox
    assert message.to == ["security@alpha.test"]
