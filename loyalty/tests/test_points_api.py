"""The points endpoints over HTTP: balances, refusals in the uniform format, Idempotency-Key retries."""

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points
from tests.fixtures import api_as


def _post(client, path, body, key="k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, format="json", **headers)


def test_accrue_then_redeem_shows_balance_and_history(alpha, guest):
    # A manual grant by a manager (within their limit); the cashier then spends (a cashier grants nothing by hand:
    # tests/security/test_points_grants.py).
    restaurant_id = alpha.restaurants[0].pk
    accrued = _post(
        api_as(alpha, "manager"),
        f"/api/v1/guests/{guest.pk}/accrue",
        {"points": 150, "restaurant_id": restaurant_id},
        "a",
    )
    assert accrued.status_code == 201, accrued.json()
    assert accrued.json()["balance"]["available"] == 150
    client = api_as(alpha, "cashier")
    redeemed = _post(client, f"/api/v1/guests/{guest.pk}/redeem", {"points": 40, "restaurant_id": restaurant_id}, "r")
    assert redeemed.status_code == 201
    assert redeemed.json()["entry"]["points"] == -40
    assert client.get(f"/api/v1/guests/{guest.pk}/balance").json()["available"] == 110
    history = client.get(f"/api/v1/guests/{guest.pk}/transactions").json()
    assert history["count"] == 2
    assert [row["points"] for row in history["results"]] == [-40, 150]
    assert history["results"][0]["actor_name"] == alpha.user("cashier").display_name


def test_retry_with_same_idempotency_key_returns_first_result(alpha, guest):
    client = api_as(alpha, "owner")
    first = _post(client, f"/api/v1/guests/{guest.pk}/accrue", {"points": 100}, "same-key")
    retry = _post(client, f"/api/v1/guests/{guest.pk}/accrue", {"points": 100}, "same-key")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["entry"]["id"] == first.json()["entry"]["id"]
    assert retry.json()["balance"]["available"] == 100
    assert LedgerEntry.objects.filter(guest=guest).count() == 1


def test_same_key_for_a_different_operation_is_422(alpha, guest):
    client = api_as(alpha, "owner")
    _post(client, f"/api/v1/guests/{guest.pk}/accrue", {"points": 100}, "same-key")
    response = _post(client, f"/api/v1/guests/{guest.pk}/accrue", {"points": 999}, "same-key")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_missing_idempotency_key_is_400(alpha, guest):
    response = _post(api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/accrue", {"points": 100}, key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert LedgerEntry.objects.filter(guest=guest).count() == 0


def test_insufficient_points_is_409_with_available_figure(alpha, guest):
    accrue_points(guest=guest, points=30, kind=EntryKind.WELCOME, idempotency_key="w")
    response = _post(api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/redeem", {"points": 50})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["available"], error["requested"]) == ("insufficient_points", 30, 50)


def test_redemption_limit_is_422_naming_the_limit(alpha, guest, program):
    program(max_redeem_share_percent=50)
    accrue_points(guest=guest, points=900, kind=EntryKind.WELCOME, idempotency_key="w")
    response = _post(
        api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/redeem", {"points": 600, "check_amount": "1000.00"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["limit"], error["max_points"]) == ("redemption_limit_exceeded", "max_share", 500)


def test_bad_input_is_400_with_field_errors(alpha, guest):
    response = _post(api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/accrue", {"points": -5})
    assert response.status_code == 400
    assert "points" in response.json()["error"]["fields"]


def test_unknown_guest_is_404(alpha):
    response = _post(api_as(alpha, "owner"), "/api/v1/guests/999999/accrue", {"points": 5})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "guest_not_found"


def test_adjustment_needs_a_reason(alpha, guest):
    response = _post(api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/adjust", {"points": 50, "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_check_endpoint_spends_earns_and_explains_a_cut(alpha, guest):
    accrue_points(guest=guest, points=900, kind=EntryKind.WELCOME, idempotency_key="w")
    response = _post(
        api_as(alpha, "cashier"),
        f"/api/v1/guests/{guest.pk}/checks",
        {"total_amount": "1000.00", "points_to_spend": 700, "receipt_id": 31},
        "check-31",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["spent"], body["earned"]) == (500, 25)
    assert body["refused_reason"]
    assert body["balance"]["available"] == 425
    assert body["visit_id"]


def test_quote_changes_nothing_and_says_what_a_check_earns(alpha, guest):
    accrue_points(guest=guest, points=300, kind=EntryKind.WELCOME, idempotency_key="w")
    response = api_as(alpha, "cashier").post(
        "/api/v1/quote", {"guest_id": guest.pk, "total_amount": "2000", "points_to_spend": 1000}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["max_spend_points"], body["spend_points"], body["earn_points"]) == (300, 300, 85)
    assert [refusal["code"] for refusal in body["refusals"]] == ["insufficient_points"]
    assert LedgerEntry.objects.filter(guest=guest).count() == 1
