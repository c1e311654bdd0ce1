"""The guest's preferred channel first when consented and reachable, else the chain's channel order."""

from __future__ import annotations

import pytest

from messaging.channels import choose_channel
from messaging.errors import UnknownChannel
from messaging.models import ChannelPreference
from messaging.selectors import messaging_settings
from messaging.services import set_preferred_channel, update_messaging_settings


@pytest.fixture
def tg_and_email_guest(alpha_bot, linked_guest):
    from guests.services import set_consent

    guest = linked_guest("+79165560001", 5560001, email="both@example.com")
    return set_consent(guest=guest, channel="email", given=True)


def test_without_a_preference_the_chains_order_decides(tg_and_email_guest):
    choice = choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel == "telegram"  # the default order: telegram, email, sms


def test_the_preferred_channel_comes_first(tg_and_email_guest):
    set_preferred_channel(guest=tg_and_email_guest, channel="email")

    choice = choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel == "email"


def test_a_preferred_channel_without_consent_falls_back_to_the_order(alpha, tg_and_email_guest):
    from guests.services import set_consent

    set_preferred_channel(guest=tg_and_email_guest, channel="email")
    guest = set_consent(guest=tg_and_email_guest, channel="email", given=False)

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel == "telegram"


def test_the_chains_order_is_followed(alpha, tg_and_email_guest):
    update_messaging_settings(actor=alpha.user("owner"), channel_order=["email", "telegram"])

    choice = choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel == "email"


def test_an_unknown_preferred_channel_is_refused(tg_and_email_guest):
    with pytest.raises(UnknownChannel):
        set_preferred_channel(guest=tg_and_email_guest, channel="pigeon")

    assert not ChannelPreference.objects.filter(guest=tg_and_email_guest).exists()


def test_the_guest_sets_the_preference_on_the_page_of_their_email_link(alpha, make_guest):
    from django.test import Client

    from audit.models import AuditEntry
    from guests.models import Guest
    from messaging.unsubscribe_links import unsubscribe_token

    guest = make_guest(email="pick@example.com", consents={"email": True, "sms": True})
    token = unsubscribe_token(guest_id=guest.pk, schema_name=alpha.chain.schema_name)

    response = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True).post(
        f"/messaging/unsubscribe/{token}/", {"channel": "sms"}
    )

    assert response.status_code == 200
    assert ChannelPreference.objects.get(guest=guest).channel == "sms"
    assert Guest.objects.get(pk=guest.pk).has_consent("email")  # choosing a channel is not unsubscribing
    assert AuditEntry.objects.get(action="guest.channel_preferred").data == {
        "channel": "sms",
        "source": "unsubscribe link",
    }


def test_the_content_is_made_for_the_channel_chosen(make_guest) -> None:
    """A sender whose texts differ per channel (templates, campaigns) gets asked once the channel is known."""
    from messaging.services import MessageContent, send_to_guest

    guest = make_guest(email="content@example.com", consents={"email": True})
    asked: list[str] = []

    def content_for(channel: str) -> MessageContent:
        asked.append(channel)
        return MessageContent(text=f"text for {channel}", subject="Subject")

    message = send_to_guest(guest=guest, kind="promo", dedupe_key="content:1", content_for=content_for)
    assert asked == ["email"]
    assert (message.channel, message.text_body, message.subject) == ("email", "text for email", "Subject")


def test_only_the_allowed_channels_are_tried(tg_and_email_guest):
    """A campaign written for email only never goes by Telegram, even to a guest who has the bot."""
    settings = messaging_settings()
    assert choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=settings).channel == "telegram"
    allowed = choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=settings, allowed=["email"])
    assert allowed.channel == "email"
    none = choose_channel(guest=tg_and_email_guest, is_marketing=False, settings=settings, allowed=["sms"])
    assert none.channel is None
