"""The guest's language picks the template: the chain's Russian wording to a Russian-speaking guest, its English
wording to an English-speaking one."""

from __future__ import annotations

from messaging.models import Message
from messaging.services import save_message_template, send_templated
from messaging.tests.conftest import NOON_UTC


def test_each_guest_gets_the_template_of_their_language(alpha, make_guest):
    owner = alpha.user("owner")
    save_message_template(
        actor=owner, kind="level_changed", language="ru", texts={"email_text": "Уровень: {{ new_level }}"}
    )
    save_message_template(
        actor=owner, kind="level_changed", language="en", texts={"email_text": "Level: {{ new_level }}"}
    )
    russian = make_guest(email="ru@example.com", consents={"email": True}, language="ru")
    english = make_guest(email="en@example.com", consents={"email": True}, language="en")

    sent = {
        guest.language: Message.objects.get(
            pk=send_templated(
                guest=guest,
                kind="level_changed",
                dedupe_key=f"lang:{guest.pk}",
                extra_context={"new_level": "Gold"},
                now=NOON_UTC,
            ).pk
        ).text_body
        for guest in (russian, english)
    }

    assert sent == {"ru": "Уровень: Gold", "en": "Level: Gold"}
