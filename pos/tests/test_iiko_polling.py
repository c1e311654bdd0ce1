"""iiko Cloud: token from the API login (cached, renewed on 401), closed orders per window in pages, mapped to checks."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pos.adapters.base import PosAuthFailed, PosUnavailable
from pos.models import ConnectionStatus, PosConnection, Receipt, SyncRun
from pos.services import create_connection, sync_connection
from pos.tasks import sync_pos_connection
from pos.tests.fake_pos import iiko_order_info

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def _local(hours_ago: float):
    return (timezone.now() - timedelta(hours=hours_ago)).astimezone(MOSCOW).replace(tzinfo=None, microsecond=0)


def _delivery(state, hours_ago: float, **kwargs):
    info = iiko_order_info(
        str(uuid.uuid4()),
        organization_id=state.organization_id,
        terminal_group_id=state.terminal_group_id,
        closed_local=_local(hours_ago),
        **kwargs,
    )
    state.deliveries.append(info)
    return info


@pytest.fixture
def iiko(alpha, iiko_server):
    url, state = iiko_server
    pos_connection, _issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=state.organization_id,
        api_base_url=url,
        credentials={"api_login": "good-login"},
    )
    return pos_connection, state


def test_closed_orders_of_the_window_become_receipts_in_our_format(iiko):
    pos_connection, state = iiko
    info = _delivery(state, hours_ago=2, phone="8 916 123-45-67")
    _delivery(state, hours_ago=3, status="CookingStarted")  # not closed: not fetched
    run = sync_connection(connection_id=pos_connection.pk)
    assert (run.status, run.fetched_count, run.new_count) == ("succeeded", 1, 1)
    stored = Receipt.objects.get()
    assert stored.external_id == f"delivery:{info['id']}"
    assert stored.operation == "sale"
    assert stored.source == "pull"
    assert stored.total_amount == Decimal("770.00")
    assert (stored.guest_identifier_kind, stored.guest_identifier) == ("phone", "+79161234567")
    assert [line["name"] for line in stored.lines] == ["Капучино", "Чизкейк"]  # the deleted line is left out
    assert stored.lines[0]["discount"] == "50.00"  # 2 × 250.00 − resultSum 450.00
    local_close = info["order"]["whenClosed"]
    assert stored.closed_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S") == local_close[:19]
    assert stored.payments == [{"type": "Card", "amount": "770.00"}]


def test_the_token_is_fetched_once_and_reused(iiko):
    pos_connection, state = iiko
    _delivery(state, hours_ago=1)
    sync_connection(connection_id=pos_connection.pk)
    sync_connection(connection_id=pos_connection.pk)
    assert len(state.calls("/api/1/access_token")) == 1
    assert state.calls("/api/1/access_token")[0] == {"apiLogin": "good-login"}


def test_an_expired_token_is_renewed_on_401_and_the_call_repeated(iiko):
    pos_connection, state = iiko
    sync_connection(connection_id=pos_connection.pk)
    state.expire_tokens()
    _delivery(state, hours_ago=1)
    run = sync_connection(connection_id=pos_connection.pk)
    assert run.new_count == 1
    assert state.tokens_issued == 2


def test_api_key_flow_of_api_v2_is_supported(alpha, iiko_server):
    url, state = iiko_server
    state.api_keys.add(("key-1", "app-1", "secret-1"))
    pos_connection, _ = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=state.organization_id,
        api_base_url=url,
        credentials={"api_key": "key-1", "app_id": "app-1", "client_secret": "secret-1"},
    )
    _delivery(state, hours_ago=1)
    assert sync_connection(connection_id=pos_connection.pk).new_count == 1
    assert state.calls("/api/v2/access_token") == [{"apiKey": "key-1", "appId": "app-1", "clientSecret": "secret-1"}]


def test_refused_login_fails_the_run_and_becomes_the_connections_last_error(iiko):
    pos_connection, state = iiko
    state.api_logins.clear()
    with pytest.raises(PosAuthFailed):
        sync_connection(connection_id=pos_connection.pk)
    pos_connection.refresh_from_db()
    assert pos_connection.status == ConnectionStatus.FAILING
    assert "refused the credentials" in pos_connection.last_error
    assert "good-login" not in pos_connection.last_error
    run = SyncRun.objects.get()
    assert (run.status, run.error_count) == ("failed", 1)


@pytest.mark.parametrize(("status", "headers"), [(500, {}), (502, {}), (503, {}), (429, {"Retry-After": "7"})])
def test_server_errors_and_rate_limits_are_retryable_and_shown(iiko, status, headers):
    pos_connection, state = iiko
    sync_connection(connection_id=pos_connection.pk)  # token cached
    state.fail_next(status, path="/api/1/deliveries/by_delivery_date_and_status", **headers)
    with pytest.raises(PosUnavailable) as raised:
        sync_connection(connection_id=pos_connection.pk)
    if status == 429:
        assert raised.value.retry_after == 7
    pos_connection.refresh_from_db()
    assert str(status) in pos_connection.last_error
    _delivery(state, hours_ago=1)
    assert sync_connection(connection_id=pos_connection.pk).new_count == 1
    pos_connection.refresh_from_db()
    assert (pos_connection.status, pos_connection.last_error) == (ConnectionStatus.ACTIVE, "")


def test_network_error_is_retryable(alpha):
    pos_connection, _ = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=str(uuid.uuid4()),
        api_base_url="http://127.0.0.1:9",  # nothing listens on the discard port
        credentials={"api_login": "x"},
    )
    with pytest.raises(PosUnavailable):
        sync_connection(connection_id=pos_connection.pk)
    pos_connection.refresh_from_db()
    assert "network error" in pos_connection.last_error


def test_the_task_retries_until_the_pos_answers(iiko):
    """Eager mode runs the retries at once (the worker waits with exponential backoff between them)."""
    pos_connection, state = iiko
    state.fail_next(503, path="/api/1/deliveries/by_delivery_date_and_status", times=2)
    _delivery(state, hours_ago=1)
    conf = sync_pos_connection.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        result = sync_pos_connection.apply(args=[pos_connection.pk])
    finally:
        conf.task_eager_propagates = propagates
    assert result.get() == "succeeded"
    assert Receipt.objects.count() == 1
    assert [run.status for run in SyncRun.objects.order_by("id")] == ["failed", "failed", "succeeded"]


def test_a_month_long_outage_is_caught_up_in_pages(iiko):
    pos_connection, state = iiko
    PosConnection.objects.filter(pk=pos_connection.pk).update(
        sync_cursor={"window_end": (timezone.now() - timedelta(days=30)).isoformat()}
    )
    for hours_ago in range(6, 30 * 24, 12):
        _delivery(state, hours_ago=hours_ago)
    runs = []
    while True:  # each run gets no time to spare: one page, then it hands over (the task queues the next run)
        run = sync_connection(connection_id=pos_connection.pk, time_budget_seconds=0)
        runs.append(run)
        if run.status == "succeeded":
            break
        assert run.status == "partial"
        assert len(runs) < 60
    assert Receipt.objects.count() == len(state.deliveries) == 60
    assert sum(run.new_count for run in runs) == 60
    assert sum(run.fetched_count for run in runs) > 60  # overlapping windows re-read some orders ...
    assert Receipt.objects.values("external_id").distinct().count() == 60  # ... stored once each
    assert all(run.pages == 1 for run in runs)
    assert len(runs) >= 30


def test_a_backlog_continues_in_a_fresh_task_until_caught_up(iiko):
    pos_connection, state = iiko
    PosConnection.objects.filter(pk=pos_connection.pk).update(
        sync_cursor={"window_end": (timezone.now() - timedelta(days=3)).isoformat()}
    )
    for hours_ago in (60, 30, 2):
        _delivery(state, hours_ago=hours_ago)
    sync_pos_connection.delay(pos_connection.pk)
    assert Receipt.objects.count() == 3
    pos_connection.refresh_from_db()
    assert pos_connection.last_synced_at is not None


def test_orders_already_received_by_webhook_are_recognised(iiko):
    pos_connection, state = iiko
    info = _delivery(state, hours_ago=1)
    from pos.check_format import PosCheck
    from pos.services import store_checks

    store_checks(
        connection_id=pos_connection.pk,
        restaurant_id=pos_connection.restaurant_id,
        checks=[
            PosCheck(
                external_id=f"delivery:{info['id']}", operation="sale", total_amount=Decimal("770.00"), currency="RUB"
            )
        ],
        source="notification",
    )
    run = sync_connection(connection_id=pos_connection.pk)
    assert (run.fetched_count, run.new_count) == (1, 0)
    assert Receipt.objects.count() == 1


def test_cancelled_delivery_of_a_stored_sale_becomes_a_refund(iiko):
    pos_connection, state = iiko
    info = _delivery(state, hours_ago=2)
    sync_connection(connection_id=pos_connection.pk)
    info["order"]["status"] = "Cancelled"
    _delivery(state, hours_ago=1, status="Cancelled")  # cancelled before it was ever closed: no refund
    sync_connection(connection_id=pos_connection.pk)
    assert set(Receipt.objects.values_list("external_id", "operation")) == {
        (f"delivery:{info['id']}", "sale"),
        (f"delivery:{info['id']}", "refund"),
    }


def test_a_nul_character_in_a_pulled_order_is_dropped_not_a_stuck_sync(iiko):
    """PostgreSQL stores no NUL in text or JSON. A webhook with one is refused (422); a pulled order cannot be
    refused, and one such order must not fail its page on every poll: the NULs are dropped, the rest is stored."""
    pos_connection, state = iiko
    odd = _delivery(state, hours_ago=2, lines=[("Лат\x00те", 1.0, 300.0, 300.0)])
    odd["order"]["comment"] = "без\x00сахара"
    _delivery(state, hours_ago=1)
    run = sync_connection(connection_id=pos_connection.pk)
    assert (run.status, run.fetched_count, run.new_count) == ("succeeded", 2, 2)
    stored = Receipt.objects.get(external_id=f"delivery:{odd['id']}")
    assert [line["name"] for line in stored.lines] == ["Латте"]
    assert stored.total_amount == Decimal("300.00")
    assert "\x00" not in str(stored.payload)
    pos_connection.refresh_from_db()
    assert pos_connection.last_error == ""


def test_retries_back_off_exponentially_but_never_sooner_than_retry_after():
    from pos.tasks import retry_delay

    assert 24 <= retry_delay(0, None) <= 36
    assert 96 <= retry_delay(2, None) <= 144
    assert retry_delay(10, None) <= 1800 * 1.2
    assert retry_delay(0, 600) == 600
