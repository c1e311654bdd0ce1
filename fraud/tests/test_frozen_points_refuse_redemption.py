"""A reviewer's freeze holds the guest's points: the till, the API and the POS refuse to spend them with the clear
reason (409 points_frozen), the bot tells the guest, purchases still earn; unfreezing lets them spend again."""

from __future__ import annotations

import re

import pytest

from audit.models import AuditEntry
from fraud.models import FraudFlag, FraudRule
from fraud.services import freeze_flag_guest, unfreeze_flag_guest
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import adjust_points
from telegram_bot.tests.conftest import (  # noqa: F401  # the bot tests' fixtures
    _fake_telegram_server,
    alpha_bot,
    callback_update,
    linked_guest,
    send_update,
    telegram_api,
)
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_as, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}
FROZEN_TEXT = "frozen pending a review"


def _available(guest) -> int:
    return PointsAccount.objects.get(guest=guest).available


@pytest.fixture
def frozen_guest(alpha, velocity_flag, access_of):
    guest = velocity_flag.guest
    adjust_points(guest=guest, points=1000, reason="seed", actor=None, idempotency_key="seed-1000")
    freeze_flag_guest(access=access_of("owner"), flag_id=velocity_flag.pk, note="five checks in 25 minutes")
    return guest


def test_the_till_refuses_to_spend_frozen_points_and_says_why(alpha, frozen_guest):
    till = signed_in_client(alpha, "cashier")
    page = till.get(f"/cashier/guests/{frozen_guest.id}/", **HTMX).content.decode()
    assert FROZEN_TEXT in page
    key = re.search(r'name="operation_key" value="([^"]+)"', page).group(1)
    before = _available(frozen_guest)
    response = till.post(
        f"/cashier/guests/{frozen_guest.id}/apply/",
        {"amount": "1000", "points_to_spend": "100", "operation_key": key},
        **HTMX,
    )
    assert response.status_code == 409
    assert "cannot be spent until the owner or an admin lifts it" in response.content.decode()
    assert _available(frozen_guest) == before


def test_the_api_refuses_a_redemption_with_points_frozen(alpha, frozen_guest):
    response = api_as(alpha, "owner").post(
        f"/api/v1/guests/{frozen_guest.id}/redeem",
        {"points": 100},
        format="json",
        headers={"Idempotency-Key": "frozen-1"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "points_frozen"
    assert not LedgerEntry.objects.filter(guest=frozen_guest, kind=EntryKind.REDEMPTION).exists()


def test_the_api_balance_says_the_points_are_frozen(alpha, frozen_guest):
    balance = api_as(alpha, "cashier").get(f"/api/v1/guests/{frozen_guest.id}/balance").json()
    assert balance["is_frozen"] is True


def test_a_pos_check_spending_frozen_points_is_refused_with_the_reason(alpha, frozen_guest):
    [receipt] = send_checks(alpha, [CheckSpec(total_amount="800.00", guest=frozen_guest, points_to_spend=100)])
    assert receipt.points_spent == 0
    assert "points_frozen" in (receipt.outcome_reason + receipt.last_error + receipt.outcome_detail)


def test_a_frozen_guest_still_earns_on_a_purchase(alpha, frozen_guest):
    before = _available(frozen_guest)
    [receipt] = send_checks(alpha, [CheckSpec(total_amount="800.00", guest=frozen_guest)])
    assert receipt.points_earned == 80
    assert _available(frozen_guest) == before + 80


def test_the_bot_tells_the_guest_their_points_are_on_hold(
    alpha,
    telegram_api,  # noqa: F811  # the bot tests' fixtures, imported above
    send_update,  # noqa: F811
    linked_guest,  # noqa: F811
    access_of,
):
    guest = linked_guest("+79162229901", 5569901)
    send_checks(alpha, [CheckSpec(total_amount="500.00", guest=guest) for _ in range(5)])
    flag = FraudFlag.objects.get(rule=FraudRule.VELOCITY, guest=guest)
    freeze_flag_guest(access=access_of("owner"), flag_id=flag.pk)
    send_update(callback_update(5569901, "bal"))
    assert "cannot be spent now" in telegram_api.texts(5569901)[-1]


def test_unfreezing_lets_the_guest_spend_again_and_both_are_audited(alpha, frozen_guest, velocity_flag, access_of):
    unfreeze_flag_guest(access=access_of("admin"), flag_id=velocity_flag.pk)
    response = api_as(alpha, "owner").post(
        f"/api/v1/guests/{frozen_guest.id}/redeem",
        {"points": 100},
        format="json",
        headers={"Idempotency-Key": "unfrozen-1"},
    )
    assert response.status_code == 201
    actions = list(
        AuditEntry.objects.filter(object_id=str(frozen_guest.pk), action__startswith="points.").values_list(
            "action", flat=True
        )
    )
    assert "points.frozen" in actions and "points.unfrozen" in actions
