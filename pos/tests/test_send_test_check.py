""" "Send a test check": a check signed with the connection's own secret goes through the webhook's verification and
intake, earns points for the chain's one test guest, and is left out of analytics and billing counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import DailyRestaurantStats
from analytics.rollups import recompute_days
from audit.models import AuditEntry
from billing.limits import Limit, count_usage
from guests.models import Guest
from loyalty.models import PointsAccount
from pos.models import ConnectionStatus, Receipt
from pos.services import update_connection
from pos.services.connection_checks import send_test_check
from tests.checks import CheckSpec, committed_effects, pos_connection, register_guest, send_checks
from tests.fixtures import signed_in_client


def _send(world, connection):
    with committed_effects():
        return send_test_check(actor=world.user("owner"), pos_connection=connection)


def test_test_check_earns_points_for_the_one_test_guest(alpha):
    connection = pos_connection(alpha, alpha.restaurants[0])
    first = _send(alpha, connection)
    second = _send(alpha, connection)
    receipts = Receipt.objects.filter(pk__in=[first.receipt_id, second.receipt_id])
    assert {receipt.status for receipt in receipts} == {"processed"}
    assert all(receipt.is_test_check and receipt.points_earned > 0 for receipt in receipts)
    guest = Guest.objects.get(is_test=True)
    assert first.guest == second.guest == guest
    assert PointsAccount.objects.get(guest=guest).available == sum(receipt.points_earned for receipt in receipts)
    assert AuditEntry.objects.filter(action="pos.connection.test_check_sent").count() == 2


def test_a_paused_connection_refuses_the_test_check_as_the_webhook_would(alpha):
    connection = pos_connection(alpha, alpha.restaurants[0])
    update_connection(actor=alpha.user("owner"), pos_connection=connection, changes={"status": ConnectionStatus.PAUSED})
    client = signed_in_client(alpha, "owner")
    response = client.post(
        f"/restaurants/{alpha.restaurants[0].id}/connections/{connection.id}/test-check/", follow=True
    )
    assert "paused" in response.content.decode().lower()
    assert not Receipt.objects.filter(connection=connection).exists()


def test_test_checks_are_left_out_of_the_analytics_roll_ups(alpha):
    connection = pos_connection(alpha, alpha.restaurants[0])
    real_guest = register_guest()
    send_checks(alpha, [CheckSpec(total_amount="500.00", guest=real_guest)])
    today = timezone.localdate()
    recompute_days(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    before = list(DailyRestaurantStats.objects.order_by("day", "restaurant_id").values())
    _send(alpha, connection)
    recompute_days(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    after = list(DailyRestaurantStats.objects.order_by("day", "restaurant_id").values())
    assert sum(row["visits"] for row in after) == 1
    assert [{**row, "computed_at": None, "id": None} for row in after] == [
        {**row, "computed_at": None, "id": None} for row in before
    ]


def test_the_test_guest_is_not_counted_against_the_plan(alpha):
    connection = pos_connection(alpha, alpha.restaurants[0])
    before = count_usage(alpha.chain, Limit.GUESTS, exact=True)
    _send(alpha, connection)
    assert Guest.objects.filter(is_test=True).exists()
    assert count_usage(alpha.chain, Limit.GUESTS, exact=True) == before


@pytest.mark.parametrize(("role", "status"), [("owner", 302), ("admin", 302), ("manager", 403), ("cashier", 403)])
def test_sending_a_test_check_by_role(alpha, role, status):
    connection = pos_connection(alpha, alpha.restaurants[0])
    client = signed_in_client(alpha, role)
    response = client.post(f"/restaurants/{alpha.restaurants[0].id}/connections/{connection.id}/test-check/")
    assert response.status_code == status
    assert Receipt.objects.filter(connection=connection).exists() == (status == 302)
