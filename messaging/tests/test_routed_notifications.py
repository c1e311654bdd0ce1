"""The bot's service messages (a receipt, a move down a level) reach every guest: a guest with the bot gets them in
Telegram as before (in the chain's own Telegram wording when it wrote one); a guest without it gets the chain's
template by email where they consented; a guest with no consent, or who turned the bot's notifications off, gets
nothing. A move up, expiring points and the birthday are the automations' (automations/tests)."""

from __future__ import annotations

from decimal import Decimal

from guests.services import set_consent
from loyalty import rules
from loyalty.models import NotificationKind, NotificationOutbox, NotificationStatus
from loyalty.services import apply_check
from messaging.models import Message
from messaging.services import save_message_template
from telegram_bot.services import set_notifications
from telegram_bot.tasks import telegram_chain_tick

CHAT = 5630001


def test_a_guest_with_the_bot_gets_telegram_and_no_email(
    alpha, alpha_bot, telegram_api, sendgrid, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79168890001", CHAT, email="bot@example.com")
    NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Silver", "is_upgrade": False}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert telegram_api.texts(CHAT) == ["Your level is now Silver."]
    assert sendgrid.requests == [] and not Message.objects.filter(guest=guest).exists()


def test_a_guest_with_email_consent_only_gets_the_template_by_email(
    alpha, alpha_bot, telegram_api, sendgrid, make_guest, django_capture_on_commit_callbacks
):
    save_message_template(
        actor=alpha.user("owner"),
        kind="level_changed",
        language="en",
        texts={"email_subject": "Now {{ new_level }}", "email_text": "Hi {{ first_name }}, you are {{ new_level }}"},
    )
    guest = make_guest(email="mail@example.com", consents={"email": True}, first_name="Eva")
    row = NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Gold", "is_upgrade": False}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    [request] = sendgrid.requests
    parts = {content["type"]: content["value"] for content in request.json["content"]}
    assert request.json["subject"] == "Now Gold"
    assert parts["text/plain"] == "Hi Eva, you are Gold"
    assert NotificationOutbox.objects.get(pk=row.pk).status == NotificationStatus.SENT
    assert Message.objects.get(guest=guest).is_marketing is False


def test_a_receipt_reaches_a_guest_without_the_bot_by_email(
    alpha, alpha_bot, telegram_api, sendgrid, make_guest, django_capture_on_commit_callbacks
):
    guest = make_guest(email="check@example.com", consents={"email": True})

    with django_capture_on_commit_callbacks(execute=True):
        apply_check(
            guest=guest,
            check=rules.Check(total_amount=Decimal("1000.00")),
            restaurant=alpha.restaurants[0],
            idempotency_key="route-check-1",
            actor=alpha.user("cashier"),
        )

    [request] = sendgrid.requests
    assert request.json["subject"] == f"Your points at {alpha.chain.name}"
    assert Message.objects.get(guest=guest).kind == "receipt"


def test_a_guest_with_no_consent_gets_nothing(
    alpha, alpha_bot, telegram_api, sendgrid, make_guest, django_capture_on_commit_callbacks
):
    guest = make_guest(email="quiet@example.com", consents={})
    row = NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Gold", "is_upgrade": False}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert sendgrid.requests == [] and telegram_api.calls == []
    assert NotificationOutbox.objects.get(pk=row.pk).status == NotificationStatus.SKIPPED
    assert not Message.objects.filter(guest=guest).exists()


def test_the_chains_own_telegram_wording_goes_by_the_bot(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    save_message_template(
        actor=alpha.user("owner"),
        kind="level_changed",
        language="en",
        texts={"telegram_text": "{{ first_name }}, your level is {{ new_level }} now."},
    )
    guest = linked_guest("+79168890005", CHAT + 5, first_name="Ira")
    NotificationOutbox.objects.create(
        guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Silver", "is_upgrade": False}
    )

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert telegram_api.texts(CHAT + 5) == ["Ira, your level is Silver now."]


def test_a_guest_who_muted_the_bot_gets_no_email_either(
    alpha, alpha_bot, telegram_api, sendgrid, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79168890006", CHAT + 6, email="muted@example.com")
    set_consent(guest=guest, channel="email", given=True)
    set_notifications(guest=guest, enabled=False)
    row = NotificationOutbox.objects.create(guest=guest, kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "X"})

    with django_capture_on_commit_callbacks(execute=True):
        telegram_chain_tick()

    assert sendgrid.requests == [] and telegram_api.texts(CHAT + 6) == []
    assert NotificationOutbox.objects.get(pk=row.pk).status == NotificationStatus.SKIPPED
