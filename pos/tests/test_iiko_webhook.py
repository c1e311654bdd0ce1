"""iiko's webhook: accepted only with our token; the order is re-read from iiko's API and earns only when Closed."""

from __future__ import annotations

import json
import uuid
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from pos.models import Receipt, RejectedAttempt
from pos.services import create_connection, register_iiko_webhook
from pos.signatures import token_digest
from pos.tests.conftest import balance, process_everything
from pos.tests.fake_pos import iiko_order_info
from tests.fixtures import api_on

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


@pytest.fixture
def iiko(alpha, iiko_server):
    url, state = iiko_server
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=state.organization_id,
        api_base_url=url,
        credentials={"api_login": "good-login"},
    )
    return pos_connection, issued.inbound_token, state, api_on(alpha.host)


def _table_order(state, status="Closed", phone="+79161234567"):
    closed = (timezone.now() - timedelta(minutes=5)).astimezone(MOSCOW).replace(tzinfo=None, microsecond=0)
    order_id = str(uuid.uuid4())
    info = iiko_order_info(
        order_id,
        organization_id=state.organization_id,
        terminal_group_id=state.terminal_group_id,
        closed_local=closed,
        status=status,
        phone=phone,
        kind="table",
    )
    state.table_orders[order_id] = info
    return info


def _event(info, event_type="TableOrderUpdate", **order_overrides):
    event_info = json.loads(json.dumps(info))
    event_info["order"].update(order_overrides)
    return {
        "eventType": event_type,
        "eventTime": timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "organizationId": info["organizationId"],
        "correlationId": str(uuid.uuid4()),
        "eventInfo": event_info,
    }


def _post(client, pos_connection, events, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post(
        f"/api/v1/pos/iiko/{pos_connection.pk}/webhook",
        data=json.dumps(events).encode(),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize("prefix", ["", "Bearer "])
def test_closed_order_is_re_read_from_iiko_and_earns_points(iiko, guest, prefix, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = _table_order(state, phone=guest.phone)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, pos_connection, [_event(info)], prefix + token)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1}
    assert state.calls("/api/1/order/by_id") == [{"organizationIds": [state.organization_id], "orderIds": [info["id"]]}]
    process_everything()
    stored = Receipt.objects.get()
    assert (stored.external_id, stored.source, stored.status) == (f"table:{info['id']}", "notification", "processed")
    assert stored.guest == guest
    assert balance(guest) == stored.points_earned > 0


def test_what_the_api_says_wins_over_the_event_body(iiko, guest, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = _table_order(state, phone=guest.phone)
    forged = _event(info, sum=999999.0)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [forged], token)
    assert str(Receipt.objects.get().total_amount) == "770.00"


def test_a_printed_bill_earns_nothing_until_the_order_is_closed(iiko, guest, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = _table_order(state, status="Bill", phone=guest.phone)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info)], token)
    assert not Receipt.objects.exists()
    info["order"]["status"] = "Closed"
    info["order"]["whenClosed"] = info["order"]["whenBillPrinted"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info)], token)
    assert Receipt.objects.filter(operation="sale").count() == 1


def test_an_event_claiming_closed_for_an_order_iiko_still_has_open_is_ignored(
    iiko, guest, django_capture_on_commit_callbacks
):
    pos_connection, token, state, client = iiko
    info = _table_order(state, status="New", phone=guest.phone)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info, status="Closed")], token)
    assert not Receipt.objects.exists()


def test_repeated_events_store_the_order_once(iiko, guest, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = _table_order(state, phone=guest.phone)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info), _event(info)], token)
        _post(client, pos_connection, [_event(info)], token)
    process_everything()
    assert Receipt.objects.count() == 1
    assert balance(guest) == Receipt.objects.get().points_earned


def test_deleting_a_closed_order_reverses_its_points(iiko, guest, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = _table_order(state, phone=guest.phone)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info)], token)
    process_everything()
    assert balance(guest) > 0
    info["order"]["status"] = "Deleted"
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info)], token)
    process_everything()
    assert Receipt.objects.get(operation="refund").outcome_reason == "reversed"
    assert balance(guest) == 0


def test_delivery_events_are_re_read_from_the_deliveries_api(iiko, guest, django_capture_on_commit_callbacks):
    pos_connection, token, state, client = iiko
    info = iiko_order_info(
        str(uuid.uuid4()),
        organization_id=state.organization_id,
        terminal_group_id=state.terminal_group_id,
        closed_local=(timezone.now() - timedelta(minutes=5)).astimezone(MOSCOW).replace(tzinfo=None, microsecond=0),
        phone=guest.phone,
    )
    state.deliveries.append(info)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, pos_connection, [_event(info, "DeliveryOrderUpdate")], token)
    assert state.calls("/api/1/deliveries/by_id")[0]["orderIds"] == [info["id"]]
    assert Receipt.objects.get().external_id == f"delivery:{info['id']}"


@pytest.mark.parametrize("authorization", [None, "", "Bearer wrong-token", "wrong-token"])
def test_a_missing_or_wrong_token_is_refused_and_logged(iiko, authorization):
    pos_connection, token, state, client = iiko
    info = _table_order(state)
    response = _post(client, pos_connection, [_event(info)], authorization)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"
    assert not state.calls("/api/1/order/by_id")
    attempt = RejectedAttempt.objects.get()
    assert (attempt.endpoint, attempt.reason, attempt.connection_id) == ("iiko", "token_invalid", pos_connection.pk)
    assert token not in str(RejectedAttempt.objects.values().get())


def test_the_token_is_kept_only_as_a_digest(iiko):
    pos_connection, token, _state, _client = iiko
    pos_connection.refresh_from_db()
    assert pos_connection.inbound_token_digest == token_digest(token)
    assert token not in str(pos_connection.__dict__)


def test_a_body_that_is_not_iikos_event_list_is_400(iiko):
    pos_connection, token, _state, client = iiko
    response = client.post(
        f"/api/v1/pos/iiko/{pos_connection.pk}/webhook",
        data=b"<xml/>",
        content_type="application/json",
        headers={"Authorization": token},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_notification"


def test_registering_the_webhook_gives_iiko_our_url_and_a_fresh_token(iiko, alpha, django_capture_on_commit_callbacks):
    pos_connection, old_token, state, client = iiko
    new_token = register_iiko_webhook(
        actor=alpha.user("owner"), pos_connection=pos_connection, webhook_url="https://alpha.ml.test/hook"
    )
    assert state.webhook_settings["organizationId"] == state.organization_id
    assert state.webhook_settings["webHooksUri"] == "https://alpha.ml.test/hook"
    assert state.webhook_settings["authToken"] == new_token != old_token
    info = _table_order(state)
    assert _post(client, pos_connection, [_event(info)], old_token).status_code == 401
    assert _post(client, pos_connection, [_event(info)], new_token).status_code == 200
