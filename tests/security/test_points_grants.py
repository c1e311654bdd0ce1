"""Points out of nothing: who may create them, how many and of which kind is one rule (loyalty.grants), the same
through the API, the till, the guest page and the bot. Each attack asserts the refusal and that nothing was
written; each door's legitimate use still works."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from guests.services import create_guest
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, Referral
from loyalty.rules import Check
from loyalty.services import apply_check, update_program_settings
from telegram_bot.tests.conftest import (  # noqa: F401 (fixtures of the bot's fake Telegram)
    _fake_telegram_server,
    alpha_bot,
    callback_update,
    message_update,
    send_update,
    telegram_api,
)
from tests.fixtures import api_as, signed_in_client

TEN_MILLION = 10_000_000
BONUS_KINDS = [EntryKind.WELCOME, EntryKind.BIRTHDAY, EntryKind.REFERRAL, EntryKind.PROMO_BONUS]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def guest(alpha):
    return create_guest(
        access=None, phone="+79165550101", first_name="Olga", home_restaurant_id=alpha.restaurants[0].pk
    )


def _post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _accrue(world, role, guest, points, kind, key="grant-1"):
    body = {"points": points, "kind": kind, "restaurant_id": world.restaurants[0].pk}
    return _post(api_as(world, role), f"/api/v1/guests/{guest.pk}/accrue", body, key)


def _balance(world, guest):
    return api_as(world, "owner").get(f"/api/v1/guests/{guest.pk}/balance").json()["available"]


def test_cashier_cannot_print_ten_million_welcome_points_and_spend_them(alpha, guest):
    cashier = api_as(alpha, "cashier")
    refused = _accrue(alpha, "cashier", guest, TEN_MILLION, EntryKind.WELCOME)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "grant_not_allowed"
    assert not LedgerEntry.objects.filter(guest=guest).exists()
    assert _balance(alpha, guest) == 0

    spend = _post(
        cashier,
        f"/api/v1/guests/{guest.pk}/redeem",
        {"points": TEN_MILLION, "restaurant_id": alpha.restaurants[0].pk},
        "spend-1",
    )
    assert spend.status_code == 409
    assert spend.json()["error"]["code"] == "insufficient_points"
    assert not LedgerEntry.objects.filter(guest=guest).exists()
    assert not AuditEntry.objects.filter(action__startswith="points.", object_id=str(guest.pk)).exists()


@pytest.mark.parametrize("kind", [EntryKind.ACCRUAL, *BONUS_KINDS])
def test_cashier_gives_no_points_by_hand_of_any_kind(alpha, guest, kind):
    refused = _accrue(alpha, "cashier", guest, 10, kind)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "grant_not_allowed")
    assert not LedgerEntry.objects.filter(guest=guest).exists()


def test_cashier_earns_points_for_a_guest_through_a_check_and_spends_them(alpha, guest):
    cashier = api_as(alpha, "cashier")
    check = _post(
        cashier,
        f"/api/v1/guests/{guest.pk}/checks",
        {"total_amount": "2000.00", "restaurant_id": alpha.restaurants[0].pk},
        "check-1",
    )
    assert check.status_code == 201, check.json()
    assert check.json()["earned"] == 100  # computed by the program (5 %), not typed by the cashier
    spend = _post(
        cashier, f"/api/v1/guests/{guest.pk}/redeem", {"points": 40, "restaurant_id": alpha.restaurants[0].pk}, "s"
    )
    assert spend.status_code == 201
    assert _balance(alpha, guest) == 60


def test_a_kind_outside_the_earning_kinds_is_refused(alpha, guest):
    refused = _accrue(alpha, "owner", guest, 10, EntryKind.REVERSAL)
    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (400, ["kind"])
    assert not LedgerEntry.objects.filter(guest=guest).exists()


@pytest.mark.parametrize("kind", [EntryKind.ACCRUAL, *BONUS_KINDS])
def test_the_managers_limit_applies_to_every_manual_kind(alpha, guest, kind):
    update_program_settings(actor=None, changes={"manager_adjustment_limit": 500})
    refused = _accrue(alpha, "manager", guest, 501, kind, key="over")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], error["limit"], error["requested"]) == ("grant_limit_exceeded", 500, 501)
    assert not LedgerEntry.objects.filter(guest=guest).exists()

    allowed = _accrue(alpha, "manager", guest, 500, kind, key="within")
    assert allowed.status_code == 201, allowed.json()
    audit = AuditEntry.objects.get(action="points.accrued", object_id=str(guest.pk))
    assert (audit.actor_id, audit.data["points"], audit.data["kind"]) == (alpha.user("manager").pk, 500, kind)


def test_splitting_a_grant_does_not_pass_the_managers_limit_in_a_day(alpha, guest):
    update_program_settings(actor=None, changes={"manager_adjustment_limit": 500})
    assert _accrue(alpha, "manager", guest, 300, EntryKind.PROMO_BONUS, key="one").status_code == 201
    refused = _accrue(alpha, "manager", guest, 300, EntryKind.BIRTHDAY, key="two")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], error["limit"], error["granted_today"]) == ("grant_limit_exceeded", 500, 300)
    adjust = _post(
        api_as(alpha, "manager"), f"/api/v1/guests/{guest.pk}/adjust", {"points": 201, "reason": "more"}, "three"
    )
    assert (adjust.status_code, adjust.json()["error"]["code"]) == (403, "grant_limit_exceeded")
    assert list(LedgerEntry.objects.filter(guest=guest).values_list("points", flat=True)) == [300]

    assert _accrue(alpha, "manager", guest, 200, EntryKind.BIRTHDAY, key="four").status_code == 201  # up to 500
    yesterday = timezone.now() - datetime.timedelta(days=1, hours=1)
    AuditEntry.objects.filter(action="points.accrued").update(created_at=yesterday)  # the next day starts afresh
    assert _accrue(alpha, "manager", guest, 500, EntryKind.BIRTHDAY, key="five").status_code == 201
    assert _balance(alpha, guest) == 1000


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_above_every_limit_only_owners_and_admins_grant(alpha, guest, role):
    granted = _accrue(alpha, role, guest, TEN_MILLION, EntryKind.PROMO_BONUS)
    assert granted.status_code == 201, granted.json()
    assert _balance(alpha, guest) == TEN_MILLION
    assert AuditEntry.objects.filter(action="points.accrued", actor_id=alpha.user(role).pk).count() == 1


def test_the_managers_adjustment_limit_holds_either_way(alpha, guest):
    update_program_settings(actor=None, changes={"manager_adjustment_limit": 100})
    apply_check(guest=guest, check=Check(total_amount=Decimal(10_000)), restaurant=None, idempotency_key="seed")
    before = LedgerEntry.objects.filter(guest=guest).count()
    manager = api_as(alpha, "manager")
    for points in (101, -101):
        refused = _post(manager, f"/api/v1/guests/{guest.pk}/adjust", {"points": points, "reason": "r"}, f"a{points}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "grant_limit_exceeded")
    assert LedgerEntry.objects.filter(guest=guest).count() == before
    done = _post(manager, f"/api/v1/guests/{guest.pk}/adjust", {"points": -100, "reason": "Mistake"}, "ok")
    assert done.status_code == 201
    assert _balance(alpha, guest) == 400


def test_a_cashier_limit_set_by_the_chain_allows_small_bonuses_only(alpha, guest):
    update_program_settings(actor=None, changes={"cashier_grant_limit": 50})
    refused = _accrue(alpha, "cashier", guest, 51, EntryKind.BIRTHDAY, key="big")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "grant_limit_exceeded")
    assert not LedgerEntry.objects.filter(guest=guest).exists()
    assert _accrue(alpha, "cashier", guest, 50, EntryKind.BIRTHDAY, key="small").status_code == 201
    assert AuditEntry.objects.filter(action="points.accrued", actor_id=alpha.user("cashier").pk).count() == 1
    # ... and never the adjustment door, which needs the adjustment right
    adjust = _post(api_as(alpha, "cashier"), f"/api/v1/guests/{guest.pk}/adjust", {"points": 5, "reason": "r"}, "a")
    assert adjust.status_code == 403
    assert _balance(alpha, guest) == 50


def _operation_key(html: str) -> str:
    found = re.search(r'name="operation_key" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_till_takes_no_points_or_kind_from_the_cashier(alpha, guest):
    till = signed_in_client(alpha, "cashier")
    key = _operation_key(till.get(f"/cashier/guests/{guest.pk}/", **HTMX).content.decode())
    forged = {
        "amount": "100",
        "points_to_spend": "0",
        "operation_key": key,
        "points": str(TEN_MILLION),
        "kind": EntryKind.WELCOME,
        "earn_points": str(TEN_MILLION),
    }
    response = till.post(f"/cashier/guests/{guest.pk}/apply/", forged, **HTMX)
    assert response.status_code == 200
    entries = list(LedgerEntry.objects.filter(guest=guest).values_list("kind", "points"))
    assert entries == [(EntryKind.ACCRUAL, 5)]  # the program's 5 % of the check, nothing typed
    assert AppliedCheck.objects.get(guest=guest).actor_id == alpha.user("cashier").pk


def test_the_guest_page_adjustment_follows_the_same_rule(alpha, guest):
    update_program_settings(actor=None, changes={"manager_adjustment_limit": 100})

    def adjust(role, points, key):
        return signed_in_client(alpha, role).post(
            f"/guests/{guest.pk}/adjust/", {"points": points, "reason": "Gift", "operation_key": key}, **HTMX
        )

    assert adjust("cashier", TEN_MILLION, "c").status_code == 403
    refused = adjust("manager", 101, "m1")
    assert "You may adjust at most 100 points at a time." in refused.content.decode()
    assert not LedgerEntry.objects.filter(guest=guest).exists()
    assert adjust("manager", 100, "m2").status_code == 200
    assert adjust("owner", TEN_MILLION, "o").status_code == 200
    assert sorted(LedgerEntry.objects.filter(guest=guest).values_list("points", flat=True)) == [100, TEN_MILLION]


def test_the_bot_grants_no_referral_points_at_sign_up(alpha, telegram_api, send_update):  # noqa: F811
    update_program_settings(actor=None, changes={"referral_bonus_points": 500, "referred_bonus_points": 500})
    referrer = create_guest(access=None, phone="+79165550199")
    for number in range(3):  # invented guests signing up through the referral link earn nobody anything
        user = 7770000 + number
        send_update(message_update(user, f"/start ref_{referrer.card_number}"))
        phone = f"7916555020{number}"
        send_update(message_update(user, contact={"phone_number": phone, "first_name": "X", "user_id": user}))
        send_update(callback_update(user, "consent:yes"))
    assert Referral.objects.filter(referrer=referrer).count() == 3
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFERRAL).exists()
