"""A consented channel is used only when the guest can be reached there: a suppressed address, a chat that blocked
the bot, or no SMS provider pass to the next channel; the SQL rule (messaging.channels.reachable_condition) agrees."""

from __future__ import annotations

from django.utils import timezone

from guests.models import Guest
from messaging.channels import Refusal, choose_channel, reachable_condition
from messaging.models import SuppressionReason
from messaging.selectors import messaging_settings
from messaging.services import suppress_email
from telegram_bot.models import TelegramChat


def test_a_suppressed_address_is_unreachable(make_guest):
    guest = make_guest(email="Bounced@Example.com", consents={"email": True})
    suppress_email(address="bounced@example.com", reason=SuppressionReason.BOUNCED)

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.reason) == (None, Refusal.UNREACHABLE)
    assert not Guest.objects.filter(reachable_condition("email"), pk=guest.pk).exists()


def test_a_chat_that_blocked_the_bot_falls_back_to_email(alpha_bot, linked_guest):
    guest = linked_guest("+79165550001", 5550001, email="tg@example.com")
    guest.email_consent_at = timezone.now()
    guest.save()
    TelegramChat.objects.filter(guest=guest).update(unreachable_at=timezone.now())

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel == "email"
    assert not Guest.objects.filter(reachable_condition("telegram"), pk=guest.pk).exists()
    assert Guest.objects.filter(reachable_condition("email"), pk=guest.pk).exists()


def test_telegram_needs_the_chains_bot(linked_guest, alpha_bot):
    from telegram_bot.services import disconnect_bot

    guest = linked_guest("+79165550002", 5550002)
    assert choose_channel(guest=guest, is_marketing=False, settings=messaging_settings()).channel == "telegram"
    disconnect_bot(actor=None)

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.reason) == (None, Refusal.UNREACHABLE)


def test_sms_needs_the_chains_provider(make_guest):
    guest = make_guest(consents={"sms": True})

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.reason) == (None, Refusal.UNREACHABLE)
    assert Guest.objects.filter(reachable_condition("sms"), pk=guest.pk).exists()  # the guest's part holds


def test_a_blocked_guest_gets_nothing(make_guest):
    from guests.services import block_guest

    guest = block_guest(access=None, guest=make_guest(email="b@example.com", consents={"email": True}))

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.reason) == (None, Refusal.INACTIVE)
    assert not Guest.objects.filter(reachable_condition("email"), pk=guest.pk).exists()
