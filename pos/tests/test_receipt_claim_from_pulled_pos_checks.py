"""iiko Cloud and R-Keeper 7 send no fiscal document with an order (their order payloads carry none: see
docs/pos-protocol.md, "Fiscal data"), so a guest's claim of such a receipt is matched by restaurant, sum and time:
a guest-less order pulled through the adapter's real path is found by the QR of its receipt."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import timedelta

from django.utils import timezone

from pos.models import ClaimStatus, Receipt
from pos.selectors import restaurant_zone
from pos.services import create_connection, sync_connection
from pos.services.claims import claim_receipt, retry_pending_claims
from pos.tests.claims import qr_text
from pos.tests.conftest import balance, process_everything
from pos.tests.fake_pos import iiko_order_info, rkeeper_order


def _local(moment, zone: zoneinfo.ZoneInfo):  # type: ignore[no-untyped-def]
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def test_a_guestless_iiko_delivery_is_claimed_by_sum_and_time(alpha, iiko_server, guest):
    url, state = iiko_server
    restaurant = alpha.restaurants[0]
    pos_connection, _issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=restaurant,
        kind="iiko",
        external_organization_id=state.organization_id,
        api_base_url=url,
        credentials={"api_login": "good-login"},
    )
    closed = timezone.now() - timedelta(hours=2)
    state.deliveries.append(
        iiko_order_info(
            str(uuid.uuid4()),
            organization_id=state.organization_id,
            terminal_group_id=state.terminal_group_id,
            closed_local=_local(closed, restaurant_zone(restaurant)),
            phone=None,
        )
    )
    sync_connection(connection_id=pos_connection.pk)
    process_everything()
    stored = Receipt.objects.get()
    assert (stored.guest_id, stored.fiscal_key) == (None, "")  # iiko names no fiscal document

    result = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="770.00"), source="bot")

    assert result.matched and result.claim.receipt_id == stored.pk
    assert Receipt.objects.get().guest == guest
    assert balance(guest) == result.claim.points_earned > 0


def test_a_claim_waiting_for_rkeeper_is_matched_when_the_shift_is_pulled(alpha, rkeeper_server, guest):
    url, state = rkeeper_server
    restaurant = alpha.restaurants[0]
    pos_connection, _issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=restaurant,
        kind="rkeeper",
        external_restaurant_code="199990053",
        api_base_url=url,
        credentials={"username": state.username, "password": state.password},
    )
    closed = timezone.now() - timedelta(minutes=40)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="1152.00"), source="bot").claim
    assert claim.status == ClaimStatus.PENDING  # the cash server has not been polled yet

    guid = str(uuid.uuid4()).upper()
    state.orders[guid] = rkeeper_order(
        guid, visit=7001, card=None, finish_time=_local(closed, restaurant_zone(restaurant))
    )
    sync_connection(connection_id=pos_connection.pk)
    process_everything()
    assert Receipt.objects.get().fiscal_key == ""  # GetOrder names no fiscal document
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=3)) == 1

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MATCHED
    assert Receipt.objects.get().guest == guest
    assert balance(guest) == claim.points_earned > 0
