"""Right to be forgotten: personal data is gone, while visits (and ledger entries) and so the chain's totals stay."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count, Sum

from audit.models import AuditEntry
from guests.models import Guest, GuestStatus, Visit
from guests.services import create_guest, erase_guest, update_guest
from guests.tests.factories import visits
from telegram_bot.models import TelegramChat
from telegram_bot.services.updates import link_or_register
from tests.checks import CheckSpec
from tests.fixtures import api_as


@pytest.fixture
def known_guest(alpha, access_of):
    guest = create_guest(
        access=access_of("owner"),
        phone="+79161234567",
        first_name="Ivan",
        last_name="Petrov",
        email="ivan@mail.ru",
        tags=["vip"],
        note="allergic to nuts",
        consents={"sms": True},
    )
    # Linked to the bot: the chat as the bot records it (his shared contact), linked by the bot's service.
    chat = TelegramChat.objects.create(chat_id=424242, user_id=424242, username="ivanp", shared_phone=guest.phone)
    link_or_register(chat=chat, consent=False)
    guest.refresh_from_db()
    assert (guest.telegram_chat_id, guest.telegram_username) == (424242, "ivanp")
    visits(alpha, [CheckSpec(amount, guest=guest) for amount in ("1000.00", "2500.50")])
    return guest


def _visit_totals():
    return Visit.objects.aggregate(amount=Sum("check_amount"), points=Sum("points_earned"))


def test_erase_removes_every_personal_field_and_rotates_card_and_qr(alpha, known_guest, access_of):
    old_card, old_qr = known_guest.card_number, known_guest.qr_token
    erase_guest(guest=known_guest, access=access_of("admin"), reason="guest asked by email")
    guest = Guest.objects.get(pk=known_guest.pk)
    assert guest.status == GuestStatus.ERASED and guest.erased_at is not None
    assert (guest.phone, guest.first_name, guest.last_name, guest.email) == (None, "", "", "")
    assert (guest.birthday, guest.telegram_chat_id, guest.telegram_username) == (None, None, "")
    assert (guest.note, guest.tags) == ("", [])
    assert guest.card_number != old_card and guest.qr_token != old_qr
    assert not guest.has_consent("sms")


def test_erase_keeps_visits_and_totals(alpha, known_guest, access_of):
    before = _visit_totals()
    assert before["amount"] == Decimal("3500.50") and before["points"] > 0
    erase_guest(guest=known_guest, access=access_of("admin"), reason="request")
    assert _visit_totals() == before
    assert Visit.objects.filter(guest_id=known_guest.pk).count() == 2


def test_erase_keeps_ledger_entries_and_totals_when_the_loyalty_ledger_exists(alpha, known_guest, access_of):
    try:
        ledger = apps.get_model("loyalty", "LedgerEntry")
    except LookupError:
        pytest.skip("the loyalty ledger is not in this build yet")
    entries = ledger.objects.filter(guest_id=known_guest.pk)
    before = entries.aggregate(points=Sum("points"), count=Count("pk"))  # the accruals of the guest's two checks
    assert before["count"] == 2 and before["points"] > 0
    erase_guest(guest=known_guest, access=access_of("admin"), reason="request")
    assert entries.aggregate(points=Sum("points"), count=Count("pk")) == before


def test_erase_is_audited_and_scrubs_personal_values_from_earlier_audit_rows(alpha, known_guest, access_of):
    update_guest(access=access_of("owner"), guest=known_guest, data={"last_name": "Sidorov"})
    erase_guest(guest=known_guest, access=access_of("admin"), reason="guest asked by email")
    entries = AuditEntry.objects.filter(object_type="guests.guest", object_id=str(known_guest.pk))
    erased = entries.get(action="guest.erased")
    assert erased.actor == alpha.user("admin")
    assert erased.reason == "guest asked by email"
    assert "phone" in erased.data["erased_fields"]
    text = " ".join(f"{entry.object_repr} {entry.changes} {entry.data}" for entry in entries)
    for personal in ("Ivan", "Petrov", "Sidorov", "9161234567", "ivan@mail.ru", "nuts"):
        assert personal not in text
    assert entries.get(action="guest.updated").changes == {"last_name": ["[erased]", "[erased]"]}


def test_erased_guest_is_gone_from_the_api_and_the_phone_can_sign_up_again(alpha, known_guest):
    api = api_as(alpha, "owner")
    assert api.delete(f"/api/v1/guests/{known_guest.id}", {"reason": "asked"}, format="json").status_code == 204
    assert api.get(f"/api/v1/guests/{known_guest.id}").status_code == 404
    assert api.get("/api/v1/guests/lookup", {"phone": "+79161234567"}).status_code == 404
    assert known_guest.id not in {row["id"] for row in api.get("/api/v1/guests").json()["results"]}
    again = api.post("/api/v1/guests", {"phone": "+79161234567"}, format="json")
    assert again.status_code == 201 and again.json()["id"] != known_guest.id
    assert AuditEntry.objects.get(action="guest.erased", object_id=str(known_guest.pk)).reason == "asked"
