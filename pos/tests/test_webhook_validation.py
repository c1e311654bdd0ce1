"""A malformed check is refused with field errors; nothing is stored but the rejected-attempt log."""

from __future__ import annotations

import json

import pytest

from pos.models import Receipt, RejectedAttempt
from pos.tests.conftest import check_payload


def _refused(response, status):
    assert response.status_code == status, response.content
    assert not Receipt.objects.exists()
    assert RejectedAttempt.objects.filter(http_status=status).count() == 1
    return response.json()["error"]


def test_invalid_json_is_400(webhook):
    error = _refused(webhook.post(b'{"external_id": "X-1", "items": [}'), 400)
    assert error["code"] == "malformed_json"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_number_json_does_not_have_is_400_not_a_server_error(webhook, constant):
    """Python's json reads NaN and ±Infinity; JSON has no such numbers, and the payload column could not hold them."""
    body = json.dumps(check_payload("X-NAN"))[:-1] + f', "extra": {{"ratio": {constant}}}}}'
    error = _refused(webhook.post(body.encode()), 400)
    assert error["code"] == "malformed_json"


def test_body_that_is_not_an_object_is_422(webhook):
    error = _refused(webhook.post([check_payload("X-2")]), 422)
    assert "non_field_errors" in error["fields"]


@pytest.mark.parametrize("where", ["external_id", "item name", "a key of an extra field"])
def test_a_nul_character_anywhere_is_refused_not_a_server_error(webhook, where):
    """PostgreSQL stores no NUL character in text or JSON: the check is refused with a readable error."""
    payload = check_payload("X-NUL" if where != "external_id" else "X-\u0000-1")
    if where == "item name":
        payload["items"][0]["name"] = "Lat\u0000te"
    elif where == "a key of an extra field":
        payload["extra"] = {"k\u0000": "v"}
    error = _refused(webhook.post(payload), 422)
    assert "NUL" in error["fields"]["non_field_errors"][0]


def test_missing_fields_are_named(webhook):
    payload = check_payload("X-3")
    for name in ("external_id", "total_amount", "items", "closed_at"):
        payload.pop(name)
    error = _refused(webhook.post(payload), 422)
    assert {"external_id", "total_amount", "items", "closed_at"} <= set(error["fields"])


def test_negative_total_is_refused(webhook):
    error = _refused(webhook.post(check_payload("X-4", total_amount="-10.00")), 422)
    assert error["fields"]["total_amount"]


def test_negative_line_price_is_refused(webhook):
    payload = check_payload("X-5")
    payload["items"][0]["price"] = "-250.00"
    error = _refused(webhook.post(payload), 422)
    assert error["fields"]["items[0].price"]


def test_items_not_adding_up_to_the_total_are_refused(webhook):
    error = _refused(webhook.post(check_payload("X-6", total_amount="1100.00")), 422)
    assert "1000.00" in error["fields"]["total_amount"][0]


def test_a_kopeck_of_rounding_per_line_is_tolerated(webhook):
    assert webhook.post(check_payload("X-7", total_amount="1000.02")).status_code == 202


def test_amounts_are_exact_decimals_not_floats(webhook):
    payload = check_payload("X-8", total_amount=0.3)
    payload["items"] = [
        {"sku": "1", "name": "a", "quantity": 1, "price": 0.1},
        {"sku": "2", "name": "b", "quantity": 1, "price": 0.2},
    ]
    assert webhook.post(payload).status_code == 202
    assert str(Receipt.objects.get(external_id="X-8").total_amount) == "0.30"


@pytest.mark.parametrize(
    ("guest", "field"),
    [
        ({"email": "a@b.c"}, "guest"),
        ({"phone": "+79161234567", "card": "12345678"}, "guest"),
        ({"phone": "not a phone"}, "guest.phone"),
        ({"card": "12"}, "guest.card"),
        ({"qr": "<script>"}, "guest.qr"),
        ("+79161234567", "guest"),
    ],
)
def test_unknown_guest_identifier_format_is_refused(webhook, guest, field):
    error = _refused(webhook.post(check_payload("X-9", guest=None) | {"guest": guest}), 422)
    assert field in error["fields"]


def test_unknown_status_is_refused(webhook):
    error = _refused(webhook.post(check_payload("X-10", status="printed")), 422)
    assert error["fields"]["status"]


def test_points_to_spend_must_be_a_whole_number(webhook):
    error = _refused(webhook.post(check_payload("X-11", points_to_spend=10.5)), 422)
    assert error["fields"]["points_to_spend"]


def test_the_rejected_attempt_names_the_check_and_its_field_errors(webhook):
    webhook.post(check_payload("X-12", total_amount="-1"))
    attempt = RejectedAttempt.objects.get()
    assert attempt.external_id == "X-12"
    assert attempt.reason == "validation_failed"
    assert "total_amount" in attempt.field_errors


def test_phone_is_stored_normalised(webhook):
    payload = check_payload("X-13") | {"guest": {"phone": "8 (916) 123-45-67"}}
    assert webhook.post(payload).status_code == 202
    stored = Receipt.objects.get(external_id="X-13")
    assert (stored.guest_identifier_kind, stored.guest_identifier) == ("phone", "+79161234567")


def test_local_time_without_offset_is_the_restaurants_time(webhook):
    assert webhook.post(check_payload("X-14", closed_at="2026-11-25T19:40:00")).status_code == 202
    closed_at = Receipt.objects.get(external_id="X-14").closed_at
    assert closed_at.isoformat() == "2026-11-25T16:40:00+00:00"  # Europe/Moscow is UTC+3
