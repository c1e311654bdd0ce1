"""The till: find a guest by what was typed or scanned, quote, apply once, register, undo within the window."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from guests.models import Guest
from guests.services import create_guest
from loyalty.models import AppliedCheck, LedgerEntry, PointsAccount
from loyalty.services import create_level, update_program_settings
from tests.checks import register_guest
from tests.fixtures import client_on, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def till(alpha):
    update_program_settings(
        actor=None,
        changes={
            "base_earn_rate_percent": 10,
            "max_redeem_share_percent": 50,
            "activation_delay_hours": 0,
            "undo_window_minutes": 15,
        },
    )
    client = signed_in_client(alpha, "cashier")
    return client


@pytest.fixture
def guest(alpha):
    return create_guest(
        access=None, phone="+79161234567", first_name="Olga", home_restaurant_id=alpha.restaurants[0].id
    )


def _key(html: str) -> str:
    return re.search(r'name="operation_key" value="([^"]+)"', html).group(1)


def _balance(guest):
    return PointsAccount.objects.filter(guest=guest).values_list("available", flat=True).first() or 0


# Not by the last 4 digits: a cashier sees phones masked, so only whole numbers find a guest (tests/security).
@pytest.mark.parametrize("typed", ["8 (916) 123-45-67", "+79161234567", "9161234567"])
def test_guest_is_found_by_any_spelling_of_the_phone_and_shown_masked(till, guest, typed):
    html = till.get("/cashier/find/", {"q": typed}, **HTMX).content.decode()
    assert "Olga" in html
    assert "+7 916 ***-**-67" in html
    assert "+79161234567" not in html


def test_guest_is_found_by_scanned_qr_token_and_card(till, guest):
    assert "Olga" in till.get("/cashier/find/", {"q": guest.qr_token}, **HTMX).content.decode()
    assert "Olga" in till.get("/cashier/find/", {"q": guest.card_number}, **HTMX).content.decode()


def test_unknown_phone_offers_registration_with_the_phone_filled_in(till, alpha):
    html = till.get("/cashier/find/", {"q": "+79035550011"}, **HTMX).content.decode()
    assert "No guest found" in html
    assert 'value="+79035550011"' in html


def test_quote_shows_points_to_earn_and_most_that_can_be_spent(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    html = till.post(
        f"/cashier/guests/{guest.id}/quote/", {"amount": "1000", "points_to_spend": "0", "operation_key": key}, **HTMX
    ).content.decode()
    assert "+100" in html
    assert _balance(guest) == 0  # a quote changes nothing


def test_confirmed_check_earns_once_even_when_submitted_twice(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    form = {"amount": "1000", "points_to_spend": "0", "operation_key": key}
    first = till.post(f"/cashier/guests/{guest.id}/apply/", form, **HTMX)
    second = till.post(f"/cashier/guests/{guest.id}/apply/", form, **HTMX)
    assert first.status_code == second.status_code == 200
    assert "+100 earned" in first.content.decode()
    assert "already applied" in second.content.decode()
    assert _balance(guest) == 100
    assert AppliedCheck.objects.filter(guest=guest).count() == 1
    assert AuditEntry.objects.filter(actor__email="cashier@alpha.test").exists()


def test_redemption_is_capped_by_the_program_and_the_reason_shown(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(
        f"/cashier/guests/{guest.id}/apply/", {"amount": "3000", "points_to_spend": "0", "operation_key": key}, **HTMX
    )
    assert _balance(guest) == 300
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    html = till.post(
        f"/cashier/guests/{guest.id}/apply/", {"amount": "400", "points_to_spend": "300", "operation_key": key}, **HTMX
    ).content.decode()
    assert "200 spent" in html  # at most 50 % of a 400 check
    assert _balance(guest) == 300 - 200 + 20


def test_a_forged_operation_key_is_refused(till, guest):
    response = till.post(
        f"/cashier/guests/{guest.id}/apply/", {"amount": "100", "operation_key": "till:999:1:forged"}, **HTMX
    )
    assert response.status_code == 422
    assert "expired" in response.content.decode()
    assert not AppliedCheck.objects.filter(guest=guest).exists()


def test_registering_a_guest_creates_them_at_this_restaurant_with_consent(till, alpha):
    html = till.post(
        "/cashier/register/", {"phone": "8 903 555 00 11", "first_name": "Pavel", "marketing_consent": "on"}, **HTMX
    ).content.decode()
    guest = Guest.objects.get(phone="+79035550011")
    assert "Guest registered" in html
    assert guest.home_restaurant_id == alpha.restaurants[0].id
    assert guest.source == "cashier"
    assert guest.sms_consent_at is not None


def test_registering_the_same_phone_twice_opens_the_existing_guest(till, guest):
    html = till.post(
        "/cashier/register/", {"phone": "+7 916 123 45 67", "first_name": "Someone"}, **HTMX
    ).content.decode()
    assert "Olga" in html
    assert Guest.objects.filter(phone="+79161234567").count() == 1


def test_bad_phone_at_registration_is_a_readable_error(till):
    response = till.post("/cashier/register/", {"phone": "12", "first_name": "X"}, **HTMX)
    assert response.status_code == 422
    assert "is not a valid phone number" in response.content.decode()
    assert not Guest.objects.filter(first_name="X").exists()


def test_cashier_undoes_own_operation_within_the_window(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(f"/cashier/guests/{guest.id}/apply/", {"amount": "1000", "operation_key": key}, **HTMX)
    applied = AppliedCheck.objects.get(guest=guest)
    response = till.post(f"/cashier/operations/{applied.id}/undo/", **HTMX)
    assert response.status_code == 200
    assert _balance(guest) == 0
    assert LedgerEntry.objects.filter(guest=guest).count() == 2
    assert till.post(f"/cashier/operations/{applied.id}/undo/", **HTMX).status_code == 200  # again: nothing changes
    assert LedgerEntry.objects.filter(guest=guest).count() == 2


def test_cashier_cannot_undo_after_the_window(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(f"/cashier/guests/{guest.id}/apply/", {"amount": "1000", "operation_key": key}, **HTMX)
    applied = AppliedCheck.objects.get(guest=guest)
    AppliedCheck.objects.filter(pk=applied.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    response = till.post(f"/cashier/operations/{applied.id}/undo/", **HTMX)
    assert response.status_code == 409
    assert "Ask a manager" in response.content.decode()
    assert _balance(guest) == 100


def test_shift_list_shows_own_operations(till, guest):
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(f"/cashier/guests/{guest.id}/apply/", {"amount": "250", "operation_key": key}, **HTMX)
    html = till.get("/cashier/shift/", **HTMX).content.decode()
    assert "250.00" in html
    assert "Olga" in html


def test_cashier_of_one_restaurant_cannot_work_at_another(till, alpha):
    till.post("/cashier/restaurant/", {"restaurant": alpha.restaurants[1].id})
    page = till.get("/cashier/").content.decode()
    assert alpha.restaurants[0].name in page
    assert "Choose one of your restaurants" in page


def test_guest_of_another_chain_is_not_found(till, beta):
    from django_tenants.utils import schema_context

    with schema_context(beta.chain.schema_name):
        foreign = register_guest(phone="+79167778899", first_name="Beta guest")
    assert not Guest.objects.filter(pk=foreign.id).exists()  # alpha has no guest of that id: only beta's could answer
    response = till.get(f"/cashier/guests/{foreign.id}/", **HTMX)
    assert response.status_code == 404
    assert "Guest not found" in response.content.decode()
    assert till.get("/cashier/find/", {"q": "+79167778899"}, **HTMX).content.decode().count("Beta guest") == 0


def test_the_guest_card_shows_level_available_and_pending_points(till, guest):
    create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(10))
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(
        f"/cashier/guests/{guest.id}/apply/", {"amount": "1000", "points_to_spend": "0", "operation_key": key}, **HTMX
    )
    update_program_settings(actor=None, changes={"activation_delay_hours": 24})
    key = _key(till.get(f"/cashier/guests/{guest.id}/", **HTMX).content.decode())
    till.post(
        f"/cashier/guests/{guest.id}/apply/", {"amount": "500", "points_to_spend": "0", "operation_key": key}, **HTMX
    )
    html = till.get("/cashier/find/", {"q": guest.phone}, **HTMX).content.decode()
    assert re.search(r'data-testid="available">100<', html)
    assert re.search(r'data-testid="pending">50<', html)
    assert "Silver" in html


def test_the_till_is_in_russian_by_default_and_in_english_once_chosen(alpha, guest):
    client = client_on(alpha.host, language=None)
    client.force_login(alpha.user("cashier"), backend="django.contrib.auth.backends.ModelBackend")
    russian = client.get("/cashier/find/", {"q": guest.phone}, **HTMX).content.decode()
    assert "Доступно" in russian
    assert "Available" not in russian
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/cashier/"}).status_code == 302
    english = client.get("/cashier/find/", {"q": guest.phone}, **HTMX).content.decode()
    assert "Available" in english
    assert "Доступно" not in english
