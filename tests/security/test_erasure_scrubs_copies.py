"""Erasing a guest removes their identifiers from every copy, not just the guest row: POS receipts (payload,
lines, identifier, outcome), refused pushes, the Telegram delivery log and chats, the audit log (an export's
search filter), import row errors and uploads still on disk. Other guests' copies and the chain's totals stay.
(Guest exports are streamed and never stored, so no export file exists to delete.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from guests.models import Guest, ImportJob
from guests.services import create_guest
from pos.models import Receipt, RejectedAttempt
from pos.services import create_connection, drain_pending_receipts
from pos.tests.conftest import SignedWebhook, check_payload
from telegram_bot.models import Delivery, MessageKind, TelegramChat
from telegram_bot.services.notifications import queue_message
from telegram_bot.services.updates import link_or_register
from tests.fixtures import api_as, api_on

PHONE, EMAIL, CARD = "+79161234567", "olga.petrova@mail.ru", "7700123456"
CHAT_ID, USERNAME = 555000111, "olga_petrova"
# The phone in any spelling: +7 (916) 123-45-67, 8 916 1234567, 79161234567.
PHONE_ANY_SPELLING = re.compile(
    r"9[\s().-]*1[\s().-]*6[\s().-]*1[\s().-]*2[\s().-]*3[\s().-]*4[\s().-]*5[\s().-]*6[\s().-]*7"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def olga(alpha):
    guest = create_guest(
        access=None,
        phone=PHONE,
        email=EMAIL,
        first_name="Olga",
        last_name="Petrova",
        card_number=CARD,
        home_restaurant_id=alpha.restaurants[0].pk,
    )
    # Linked to the bot: the chat as the bot records it (her first message, her shared contact), then the bot's
    # linking service.
    chat = TelegramChat.objects.create(
        chat_id=CHAT_ID, user_id=CHAT_ID, username=USERNAME, first_name="Olga", shared_phone=PHONE
    )
    linked, _created = link_or_register(chat=chat, consent=False)  # as before: no Telegram consent given
    assert linked is not None and linked.pk == guest.pk
    guest.refresh_from_db()
    assert (guest.telegram_chat_id, guest.telegram_username) == (CHAT_ID, USERNAME)
    return guest


@pytest.fixture
def ivan(alpha):
    return create_guest(
        access=None, phone="+79035550011", first_name="Ivan", home_restaurant_id=alpha.restaurants[0].pk
    )


@pytest.fixture
def webhook(alpha):
    connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till 1"
    )
    return SignedWebhook(connection=connection, secret=issued.signing_secret, client=api_on(alpha.host))


def _identifiers(guest: Guest) -> list[str]:
    return [EMAIL, CARD, guest.qr_token, str(CHAT_ID), USERNAME, "Petrova"]


def _copies_of_everything(media_root: Path) -> list[str]:
    texts = [json.dumps(row, default=str) for row in Receipt.objects.values()]
    texts += [json.dumps(row, default=str) for row in RejectedAttempt.objects.values()]
    texts += [json.dumps(row, default=str) for row in Delivery.objects.values()]
    texts += [json.dumps(row, default=str) for row in TelegramChat.objects.values()]
    texts += [json.dumps(row, default=str, ensure_ascii=False) for row in AuditEntry.objects.values()]
    texts += [json.dumps(row, default=str) for row in ImportJob.objects.values()]
    texts += [path.read_text(errors="replace") for path in media_root.rglob("*") if path.is_file()]
    return texts


def _leaks(texts: list[str], identifiers: list[str]) -> list[str]:
    found = [text for text in texts if PHONE_ANY_SPELLING.search(text)]
    found += [text for text in texts for value in identifiers if value.lower() in text.lower()]
    return found


def test_erasure_scrubs_every_copy_of_the_guests_identifiers(alpha, olga, ivan, webhook, settings):
    identifiers = _identifiers(olga)
    # Copies made by the ordinary paths before the erasure:
    assert webhook.post(check_payload("E-1", guest=olga)).status_code == 202
    spelled = check_payload("E-2", guest=None, guest_note=f"Olga Petrova, 8 (916) 123-45-67, {EMAIL}")
    spelled["guest"] = {"card": CARD}
    assert webhook.post(spelled).status_code == 202
    assert webhook.post(check_payload("E-3", guest=ivan)).status_code == 202
    refused = check_payload(f"ORDER-{PHONE}", guest=olga, total_amount="-1")
    assert webhook.post(refused).status_code == 422
    drain_pending_receipts(time_budget_seconds=30)
    assert queue_message(guest=olga, kind=MessageKind.RECEIPT, text="Olga Petrova: +50 points", dedupe_key="r-1")
    owner = api_as(alpha, "owner")
    b"".join(owner.get("/api/v1/guests/export", {"q": PHONE}).streaming_content)
    upload = SimpleUploadedFile("guests.csv", f"phone,first_name,email\n{PHONE},Olga,{EMAIL}\n".encode())
    assert owner.post("/api/v1/guests/import", {"file": upload}, format="multipart").status_code == 202
    before = _copies_of_everything(Path(settings.MEDIA_ROOT))
    assert len(_leaks(before, identifiers)) >= 7  # receipts, refusal, delivery, chat, audit, import file

    assert owner.delete(f"/api/v1/guests/{olga.pk}", {"reason": "asked by the guest"}).status_code == 204

    assert _leaks(_copies_of_everything(Path(settings.MEDIA_ROOT)), identifiers) == []
    assert not TelegramChat.objects.filter(chat_id=CHAT_ID).exists()
    job = ImportJob.objects.get()
    assert (job.status, bool(job.file)) == ("failed", False)
    erased = AuditEntry.objects.get(action="guest.erased", object_id=str(olga.pk))
    assert erased.data["copies_scrubbed"]["pos.receipt"] == 2


def test_erasure_keeps_other_guests_copies_and_the_chains_totals(alpha, olga, ivan, webhook):
    webhook.post(check_payload("K-1", guest=olga))
    webhook.post(check_payload("K-2", guest=ivan))
    drain_pending_receipts(time_budget_seconds=30)
    earned = Receipt.objects.get(external_id="K-1").points_earned

    assert api_as(alpha, "owner").delete(f"/api/v1/guests/{olga.pk}").status_code == 204

    theirs = Receipt.objects.get(external_id="K-1")
    assert (theirs.guest_id, theirs.points_earned, str(theirs.total_amount)) == (olga.pk, earned, "1000.00")
    assert Receipt.objects.get(external_id="K-2").payload["guest"]["phone"] == ivan.phone
    assert Receipt.objects.get(external_id="K-2").guest_identifier == ivan.phone


def test_only_an_admin_or_owner_erases_and_a_refusal_scrubs_nothing(alpha, olga, webhook):
    webhook.post(check_payload("R-1", guest=olga))
    drain_pending_receipts(time_budget_seconds=30)
    assert api_as(alpha, "manager").delete(f"/api/v1/guests/{olga.pk}").status_code == 403
    assert Receipt.objects.get(external_id="R-1").payload["guest"]["phone"] == PHONE
    assert Guest.objects.get(pk=olga.pk).phone == PHONE
