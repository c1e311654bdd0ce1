"""R-Keeper 7 XML interface: finished orders of the shift are fetched one by one and mapped; notifications name orders."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from pos.adapters import rkeeper
from pos.adapters.base import PosAuthFailed, PosUnavailable
from pos.models import ConnectionStatus, Receipt
from pos.services import create_connection, sync_connection
from pos.tests.conftest import balance, process_everything
from pos.tests.fake_pos import rkeeper_order
from tests.fixtures import api_on


def _guid() -> str:
    return str(uuid.uuid4()).upper()


@pytest.fixture
def cash_server(alpha, rkeeper_server):
    url, state = rkeeper_server
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="rkeeper",
        external_restaurant_code="199990053",
        api_base_url=url,
        credentials={"username": state.username, "password": state.password},
    )
    return pos_connection, issued.inbound_token, state


def test_finished_orders_become_receipts_in_our_format(cash_server, guest):
    pos_connection, _token, state = cash_server
    guid = _guid()
    state.orders[guid] = rkeeper_order(guid, visit=543555, card=guest.card_number)
    state.orders[_guid()] = rkeeper_order(_guid(), visit=543556, finished=False)  # still open
    run = sync_connection(connection_id=pos_connection.pk)
    assert (run.status, run.new_count) == ("succeeded", 1)
    stored = Receipt.objects.get()
    assert stored.external_id == guid
    assert stored.total_amount == Decimal("1152.00")  # 450.00 + 2 × 390.00 − 78.00 (kopecks in the XML)
    assert (stored.guest_identifier_kind, stored.guest_identifier) == ("card", guest.card_number)
    assert [(line["name"], line["quantity"], line["price"], line["discount"]) for line in stored.lines] == [
        ("Борщ", "1", "450.00", "0"),
        ("Пельмени", "2", "390.00", "78.00"),
    ]
    assert stored.terminal == "1"
    process_everything()
    assert balance(guest) == Receipt.objects.get().points_earned > 0


def test_requests_are_xml_queries_with_basic_auth(cash_server):
    pos_connection, _token, state = cash_server
    guid = _guid()
    state.orders[guid] = rkeeper_order(guid, visit=1)
    sync_connection(connection_id=pos_connection.pk)
    bodies = [body for _path, body in state.requests]
    assert '<RK7CMD CMD="GetOrderList"' in bodies[0]
    assert f'<Order guid="{{{guid}}}"/>' in bodies[1]


def test_orders_already_stored_are_not_fetched_again(cash_server):
    pos_connection, _token, state = cash_server
    for visit in range(3):
        guid = _guid()
        state.orders[guid] = rkeeper_order(guid, visit=visit)
    sync_connection(connection_id=pos_connection.pk)
    state.requests.clear()
    run = sync_connection(connection_id=pos_connection.pk)
    assert run.new_count == 0
    assert [body for _path, body in state.requests if 'GetOrder"' in body] == []


def test_a_busy_shift_is_fetched_in_pages(cash_server, monkeypatch):
    monkeypatch.setattr(rkeeper, "PAGE_SIZE", 4)
    pos_connection, _token, state = cash_server
    for visit in range(10):
        guid = _guid()
        state.orders[guid] = rkeeper_order(guid, visit=visit, card=None)
    run = sync_connection(connection_id=pos_connection.pk)
    assert (run.pages, run.new_count, run.status) == (3, 10, "succeeded")


def test_wrong_credentials_are_reported_on_the_connection(cash_server):
    pos_connection, _token, state = cash_server
    state.password = "changed-on-the-server"
    with pytest.raises(PosAuthFailed):
        sync_connection(connection_id=pos_connection.pk)
    pos_connection.refresh_from_db()
    assert pos_connection.status == ConnectionStatus.FAILING
    assert "refused the credentials" in pos_connection.last_error


def test_cash_server_errors_are_retryable(cash_server):
    pos_connection, _token, state = cash_server
    state.fail_next(503)
    with pytest.raises(PosUnavailable):
        sync_connection(connection_id=pos_connection.pk)


def test_a_notification_makes_us_fetch_the_named_orders(cash_server, alpha, django_capture_on_commit_callbacks):
    pos_connection, token, state = cash_server
    guid = _guid()
    state.orders[guid] = rkeeper_order(guid, visit=77)
    event = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Event EventGuid="{uuid.uuid4()}" ObjectId="199990053" EventType="OrdersChanged">'
        f'<ChangedOrders><ChangedOrder Guid="{guid.lower()}"/></ChangedOrders></Event>'
    )
    client = api_on(alpha.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/pos/rkeeper/{pos_connection.pk}/notify?token={token}", data=event, content_type="application/xml"
        )
    assert response.status_code == 200
    assert response.json() == {"accepted": 1}
    assert Receipt.objects.get().external_id == guid


def test_a_notification_without_the_token_is_refused(cash_server, alpha):
    pos_connection, _token, state = cash_server
    response = api_on(alpha.host).post(
        f"/api/v1/pos/rkeeper/{pos_connection.pk}/notify", data="<Event/>", content_type="application/xml"
    )
    assert response.status_code == 401
    assert not state.requests


def test_a_voided_order_that_was_sold_becomes_a_refund(cash_server, guest, alpha, django_capture_on_commit_callbacks):
    pos_connection, token, state = cash_server
    guid = _guid()
    state.orders[guid] = rkeeper_order(guid, visit=9, card=guest.card_number)
    sync_connection(connection_id=pos_connection.pk)
    process_everything()
    assert balance(guest) > 0
    state.orders[guid]["deleted"] = True
    client = api_on(alpha.host)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/pos/rkeeper/{pos_connection.pk}/notify",
            data=f'<Event EventType="OrdersChanged"><ChangedOrders><ChangedOrder Guid="{guid}"/></ChangedOrders></Event>',
            content_type="application/xml",
            headers={"Authorization": token},
        )
    process_everything()
    assert Receipt.objects.get(operation="refund").outcome_reason == "reversed"
    assert balance(guest) == 0


def test_xml_with_entity_declarations_is_refused():
    with pytest.raises(Exception, match="DTD or entities"):
        rkeeper.RkeeperAdapter.notification_refs(
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><Event><ChangedOrder Guid="&x;"/></Event>'
        )
