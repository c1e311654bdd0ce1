"""Floods of unauthenticated POS calls stay cheap: refusals are counted in one row per connection (or address),
reason and minute, and an address refused too often this minute gets 429 before any database work, while the
restaurants' real POS servers (other addresses) are still accepted."""

from __future__ import annotations

import json
import time
from collections import Counter

import httpx
import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from accounts.tokens import refresh_token_for
from pos.models import Receipt, RejectedAttempt
from pos.services import create_connection
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header_for
from tests.fixtures import api_on
from tests.process_harness import sample_check, signed_request
from tests.security.conftest import served_chain

FLOODER = "203.0.113.7"
POS_SERVER = "198.51.100.20"


@pytest.fixture
def webhook(alpha):
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till"
    )
    return pos_connection, issued.signing_secret, api_on(alpha.host)


def _post(webhook, external_id: str, *, secret: str | None = None, address: str = FLOODER, connection_id=None):
    pos_connection, real_secret, client = webhook
    body = json.dumps(sample_check(external_id, phone=None)).encode()
    stamp = str(int(time.time()))
    return client.post(
        f"/api/v1/pos/webhooks/{connection_id or pos_connection.pk}",
        data=body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(secret or real_secret, stamp, body)},
        REMOTE_ADDR=address,
    )


def _refused_total() -> int:
    return RejectedAttempt.objects.aggregate(total=Sum("count"))["total"] or 0


def test_a_thousand_bad_signatures_make_a_few_rows_then_429(webhook, settings):
    settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = 50
    statuses = Counter(_post(webhook, f"F-{n}", secret="whsec_wrong").status_code for n in range(1000))
    assert set(statuses) == {401, 429}
    assert 50 <= statuses[401] <= 100  # 50 a minute (twice if the minute turned during the run)
    assert RejectedAttempt.objects.count() <= 2
    assert _refused_total() == statuses[401]
    assert not Receipt.objects.exists()


def test_the_429_names_the_wait_and_touches_no_database(webhook, settings, django_assert_num_queries):
    settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = 3
    for n in range(3):
        assert _post(webhook, f"W-{n}", secret="whsec_wrong").status_code == 401
    with django_assert_num_queries(0):
        response = _post(webhook, "W-4", secret="whsec_wrong")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert _refused_total() == 3


def test_a_blocked_address_does_not_block_the_restaurants_pos_server(webhook, settings):
    settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = 5
    for n in range(6):
        _post(webhook, f"B-{n}", secret="whsec_wrong")
    assert _post(webhook, "B-blocked", secret="whsec_wrong").status_code == 429
    assert _post(webhook, "LEGIT-1", address=POS_SERVER).status_code == 202
    assert list(Receipt.objects.values_list("external_id", flat=True)) == ["LEGIT-1"]


def test_wrong_connection_ids_from_one_address_are_counted_in_one_row(webhook, settings):
    settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = 1000
    for n in range(200):
        assert _post(webhook, "X", connection_id=900_000 + n).status_code == 404
    rows = list(RejectedAttempt.objects.values("reason", "client_ip", "connection", "count"))
    assert len(rows) <= 2
    assert {row["reason"] for row in rows} == {"connection_not_found"}
    assert {row["client_ip"] for row in rows} == {FLOODER}
    assert sum(row["count"] for row in rows) == 200


def test_bad_pos_tokens_are_counted_per_connection(alpha, settings):
    settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = 1000
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id="org",
        api_base_url="http://127.0.0.1:9/",
        credentials={"api_login": "login"},
    )
    client = api_on(alpha.host)
    url = f"/api/v1/pos/iiko/{pos_connection.pk}/webhook"
    for n in range(30):
        response = client.post(
            url,
            data=b"[]",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer wrong-{n}",
            REMOTE_ADDR=f"203.0.113.{n}",
        )
        assert response.status_code == 401
    row = RejectedAttempt.objects.get()
    assert (row.connection_id, row.reason, row.count) == (pos_connection.pk, "token_invalid", 30)
    ok = client.post(
        url, data=b"[]", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {issued.inbound_token}"
    )
    assert ok.status_code == 200


def test_the_rejected_attempt_list_shows_the_counts(webhook, alpha):
    for n in range(7):
        _post(webhook, f"L-{n}", secret="whsec_wrong")
    client = api_on(alpha.host)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {refresh_token_for(alpha.user('owner'), alpha.chain.id).access_token}"
    )
    listed = client.get("/api/v1/pos/rejected-attempts").json()
    assert sum(item["count"] for item in listed["results"]) == 7
    first = listed["results"][0]
    assert (first["reason"], first["client_ip"]) == ("signature_invalid", FLOODER)
    assert first["first_received_at"] <= first["received_at"]


# --- through gunicorn and the WSGI intake -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker):
    yield from served_chain("floods", django_db_blocker, POS_REJECTIONS_PER_ADDRESS_PER_MINUTE="40")


@pytest.mark.processes
def test_through_gunicorn_a_flood_is_throttled_and_another_address_still_gets_through(served, django_db_blocker):
    chain = served.chain
    url = f"/api/v1/pos/webhooks/{chain.connection_id}"
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=served.base_url, timeout=30) as flooder:
        for n in range(300):
            body, headers = signed_request("whsec_wrong", sample_check(f"GF-{n}", phone=None))
            statuses[flooder.post(url, content=body, headers={**headers, "Host": chain.host}).status_code] += 1
    assert set(statuses) == {401, 429}
    assert statuses[429] >= 200

    pos_server = httpx.HTTPTransport(local_address="127.0.0.2")  # another sending address
    with httpx.Client(base_url=served.base_url, timeout=30, transport=pos_server) as client:
        body, headers = signed_request(chain.secret, sample_check("GF-LEGIT", phone=None))
        assert client.post(url, content=body, headers={**headers, "Host": chain.host}).status_code == 202

    with django_db_blocker.unblock(), schema_context(chain.schema_name):
        assert RejectedAttempt.objects.count() <= 2
        assert RejectedAttempt.objects.aggregate(total=Sum("count"))["total"] == statuses[401]
        assert list(Receipt.objects.values_list("external_id", flat=True)) == ["GF-LEGIT"]
