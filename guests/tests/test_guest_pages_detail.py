"""The guest detail page: profile, level progress, balance, visits, ledger; adjust, edit, block and erase."""

import pytest

from audit.models import AuditEntry
from guests.models import Guest, GuestStatus
from guests.tests.factories import GuestFactory, visits
from loyalty.models import LedgerEntry, Level, PointsAccount
from loyalty.services import adjust_points, create_level, update_program_settings
from tests.checks import CheckSpec
from tests.fixtures import signed_in_client


@pytest.fixture
def guest(alpha):
    return GuestFactory(first_name="Vera", phone="+79161110000", home_restaurant=alpha.restaurants[0])


@pytest.fixture
def other_restaurants_guest(alpha):
    return GuestFactory(first_name="Pavel", home_restaurant=alpha.restaurants[1])


def _adjust(client, guest, points, reason="Compensation", key="k-1", **headers):
    return client.post(
        f"/guests/{guest.pk}/adjust/", {"points": points, "reason": reason, "operation_key": key}, **headers
    )


def test_detail_shows_profile_balance_visits_and_level_progress(alpha, guest):
    create_level(actor=None, name="Silver", threshold_amount=0, earn_rate_percent=5)
    create_level(actor=None, name="Gold", threshold_amount=10000, earn_rate_percent=10)
    # Two visits (the POS's checks): 2500.00 spent in all, so Silver, and 5 % of each earned (50 + 75).
    visits(alpha, [CheckSpec("1000.00", guest=guest), CheckSpec("1500.00", guest=guest)])
    adjust_points(guest=guest, points=120, reason="Welcome", actor=None, idempotency_key="t-1")
    page = signed_in_client(alpha, "admin").get(f"/guests/{guest.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert PointsAccount.objects.get(guest=guest).level == Level.objects.get(name="Silver")
    assert 'data-testid="available">245<' in html
    assert "7500.00 RUB more to Gold" in html
    assert page.context["level_progress"] == 25
    assert "1500.00" in html  # the visit's check
    assert "Welcome" in html  # the ledger row


def test_ledger_history_is_paged(alpha, guest):
    for number in range(25):
        adjust_points(guest=guest, points=1, reason=f"r{number}", actor=None, idempotency_key=f"p-{number}")
    client = signed_in_client(alpha, "owner")
    first = client.get(f"/guests/{guest.pk}/")
    assert first.content.decode().count('data-testid="ledger-row"') == 20
    older = client.get(f"/guests/{guest.pk}/", {"cursor": first.context["ledger"].older_cursor})  # the "Older" link
    assert older.content.decode().count('data-testid="ledger-row"') == 5


def test_manager_gets_404_for_another_restaurants_guest_on_every_guest_page(alpha, other_restaurants_guest):
    client = signed_in_client(alpha, "manager")
    for path in ("", "edit/", "adjust/"):
        method = client.post if path == "adjust/" else client.get
        assert method(f"/guests/{other_restaurants_guest.pk}/{path}").status_code == 404, path


def test_adjustment_with_htmx_shows_the_new_balance_and_is_audited(alpha, guest):
    response = _adjust(signed_in_client(alpha, "admin"), guest, 250, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="available">250<' in html
    assert "+250 points: Compensation" in html
    assert AuditEntry.objects.filter(action="points.adjusted", object_id=str(guest.pk)).exists()


def test_adjustment_needs_a_reason_and_keeps_the_typed_points(alpha, guest):
    response = _adjust(signed_in_client(alpha, "admin"), guest, 77, reason="  ")
    html = response.content.decode()
    assert "This field is required." in html or "Say why the points are adjusted." in html
    assert 'value="77"' in html
    assert not LedgerEntry.objects.filter(guest=guest).exists()


def test_managers_adjustment_over_the_program_limit_is_refused_on_the_form(alpha, guest):
    update_program_settings(actor=None, changes={"manager_adjustment_limit": 100})
    response = _adjust(signed_in_client(alpha, "manager"), guest, 500, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "You may adjust at most 100 points at a time." in html
    assert 'value="500"' in html
    assert not LedgerEntry.objects.filter(guest=guest).exists()


def test_the_same_adjustment_form_sent_twice_adjusts_once(alpha, guest):
    client = signed_in_client(alpha, "admin")
    _adjust(client, guest, 40, key="same")
    _adjust(client, guest, 40, key="same")
    assert LedgerEntry.objects.filter(guest=guest).count() == 1


def test_edit_saves_with_audit_and_redirects_to_the_guest(alpha, guest):
    client = signed_in_client(alpha, "manager")
    form = client.get(f"/guests/{guest.pk}/edit/").context["form"]
    data = {key: value if value is not None else "" for key, value in form.initial.items()}
    data.update(first_name="Veronika", tags="vip, lunch")
    response = client.post(f"/guests/{guest.pk}/edit/", data)
    assert response.status_code == 302
    guest.refresh_from_db()
    assert (guest.first_name, guest.tags) == ("Veronika", ["vip", "lunch"])
    entry = AuditEntry.objects.get(action="guest.updated", object_id=str(guest.pk))
    assert entry.changes["first_name"] == ["Vera", "Veronika"]


def test_edit_with_invalid_input_shows_field_errors_and_keeps_what_was_typed(alpha, guest):
    GuestFactory(phone="+79169998877")
    response = signed_in_client(alpha, "admin").post(
        f"/guests/{guest.pk}/edit/",
        {"phone": "+79169998877", "first_name": "Typed Name", "email": "not-an-email", "language": "ru"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert 'value="Typed Name"' in html
    guest.refresh_from_db()
    assert guest.first_name == "Vera"


def test_edit_refused_by_the_service_shows_on_the_field(alpha, guest):
    GuestFactory(phone="+79169998877")
    response = signed_in_client(alpha, "admin").post(
        f"/guests/{guest.pk}/edit/", {"phone": "+79169998877", "first_name": "Typed Name", "language": "ru"}
    )
    html = response.content.decode()
    assert "A guest with this phone number already exists" in html
    assert 'value="Typed Name"' in html


def test_block_and_unblock_are_posts_and_audited(alpha, guest):
    client = signed_in_client(alpha, "manager")
    assert client.get(f"/guests/{guest.pk}/block/").status_code == 405
    client.post(f"/guests/{guest.pk}/block/", {"reason": "Abuse"})
    guest.refresh_from_db()
    assert guest.status == GuestStatus.BLOCKED
    assert "This guest is blocked" in client.get(f"/guests/{guest.pk}/").content.decode()
    client.post(f"/guests/{guest.pk}/unblock/")
    guest.refresh_from_db()
    assert guest.status == GuestStatus.ACTIVE
    assert AuditEntry.objects.filter(action="guest.blocked", reason="Abuse").exists()
    assert AuditEntry.objects.filter(action="guest.unblocked").exists()


def test_erase_asks_for_confirmation_first_and_changes_nothing_on_get(alpha, guest):
    response = signed_in_client(alpha, "admin").get(f"/guests/{guest.pk}/erase/")
    assert 'data-testid="confirm-erase"' in response.content.decode()
    guest.refresh_from_db()
    assert guest.status == GuestStatus.ACTIVE


def test_erase_without_ticking_the_confirmation_is_refused(alpha, guest):
    response = signed_in_client(alpha, "admin").post(f"/guests/{guest.pk}/erase/", {"reason": "asked"})
    assert "Tick the box to confirm." in response.content.decode()
    assert Guest.objects.get(pk=guest.pk).status == GuestStatus.ACTIVE


def test_confirmed_erase_removes_personal_data_and_is_audited(alpha, guest):
    client = signed_in_client(alpha, "owner")
    response = client.post(f"/guests/{guest.pk}/erase/", {"reason": "Guest asked", "confirm": "on"})
    assert response.status_code == 302
    guest.refresh_from_db()
    assert (guest.status, guest.phone, guest.first_name) == (GuestStatus.ERASED, None, "")
    assert AuditEntry.objects.filter(action="guest.erased", reason="Guest asked").exists()
    assert client.get(f"/guests/{guest.pk}/").status_code == 404


def test_guest_detail_shows_the_telegram_delivery_log(alpha):
    from guests.services import create_guest
    from telegram_bot.models import Delivery, DeliveryStatus, MessageKind

    guest = create_guest(access=None, phone="+79160001122", first_name="Log")
    Delivery.objects.create(
        guest=guest,
        kind=MessageKind.choices[0][0],
        text="+100",
        status=DeliveryStatus.FAILED,
        reason="bot blocked by the guest",
    )
    page = signed_in_client(alpha, "owner").get(f"/guests/{guest.id}/").content.decode()
    assert "Telegram messages" in page
    assert "bot blocked by the guest" in page
