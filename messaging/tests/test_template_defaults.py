"""The built-in wording is sent until the chain writes its own; a field the chain left empty keeps the default;
"reset to default" brings the built-in wording back."""

from __future__ import annotations

from messaging.models import Message
from messaging.services import reset_message_template, save_message_template, send_templated
from messaging.tests.conftest import NOON_UTC


def _send(guest, key):
    message = send_templated(
        guest=guest,
        kind="birthday",
        dedupe_key=key,
        extra_context={"bonus_points": "300"},
        is_marketing=False,
        now=NOON_UTC,
    )
    return Message.objects.get(pk=message.pk)


def test_the_default_is_sent_until_the_chain_writes_its_own(alpha, make_guest):
    guest = make_guest(email="mia@example.com", consents={"email": True}, first_name="Mia")

    before = _send(guest, "t:1")
    save_message_template(
        actor=alpha.user("owner"), kind="birthday", language="en", texts={"email_subject": "Cake for {{ first_name }}"}
    )
    after = _send(guest, "t:2")

    assert before.subject == f"Happy birthday from {alpha.chain.name}"
    assert "We have added 300 points" in before.text_body
    assert after.subject == "Cake for Mia"
    assert after.text_body == before.text_body  # the field left empty: still the default


def test_reset_brings_the_default_back(alpha, make_guest):
    guest = make_guest(email="leo@example.com", consents={"email": True}, first_name="Leo")
    owner = alpha.user("owner")
    save_message_template(actor=owner, kind="birthday", language="en", texts={"email_subject": "Ours"})

    assert reset_message_template(actor=owner, kind="birthday", language="en") is True

    assert _send(guest, "t:3").subject == f"Happy birthday from {alpha.chain.name}"
