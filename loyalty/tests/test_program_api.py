"""Editing the program over HTTP: settings, levels, promos and promo codes; every change audited."""

from decimal import Decimal

from audit.models import AuditEntry
from loyalty.models import Level, Promo, PromoCode
from loyalty.services import create_promo, create_promo_code
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import api_as


def test_program_settings_change_is_audited_old_to_new(alpha):
    client = api_as(alpha, "admin")
    response = client.put("/api/v1/program", {"expiry_days": 180, "min_redeem_points": 50}, format="json")
    assert response.status_code == 200
    assert (response.json()["expiry_days"], response.json()["min_redeem_points"]) == (180, 50)
    audit = AuditEntry.objects.get(action="loyalty.program_updated")
    assert audit.changes == {"expiry_days": [0, 180], "min_redeem_points": [0, 50]}
    assert audit.actor_id == alpha.user("admin").pk


def test_program_settings_reject_out_of_range_values(alpha):
    response = api_as(alpha, "admin").patch("/api/v1/program", {"max_redeem_share_percent": "150"}, format="json")
    assert response.status_code == 400
    assert "max_redeem_share_percent" in response.json()["error"]["fields"]


def test_level_crud(alpha):
    client = api_as(alpha, "admin")
    created = client.post(
        "/api/v1/levels",
        {"name": "Gold", "threshold_amount": "50000", "earn_rate_percent": "10", "colour": "#ffd700"},
        format="json",
    )
    assert created.status_code == 201
    level_id = created.json()["id"]
    changed = client.patch(f"/api/v1/levels/{level_id}", {"earn_rate_percent": "12"}, format="json")
    assert changed.json()["earn_rate_percent"] == "12.00"
    assert [row["name"] for row in client.get("/api/v1/levels").json()] == ["Gold"]
    assert client.delete(f"/api/v1/levels/{level_id}").status_code == 204
    assert not Level.objects.exists()
    assert client.get(f"/api/v1/levels/{level_id}").status_code == 404


def test_duplicate_level_threshold_is_409(alpha):
    client = api_as(alpha, "admin")
    body = {"name": "Gold", "threshold_amount": "50000", "earn_rate_percent": "10"}
    client.post("/api/v1/levels", body, format="json")
    response = client.post("/api/v1/levels", {**body, "name": "Platinum"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_level"


def test_promo_with_codes_and_its_effect_on_a_quote(alpha):
    client = api_as(alpha, "admin")
    promo = client.post(
        "/api/v1/promos",
        {"name": "Spring", "bonus_points": 100, "combination": "stackable", "weekdays": [1, 2, 3, 4, 5, 6, 7]},
        format="json",
    )
    assert promo.status_code == 201, promo.json()
    promo_id = promo.json()["id"]
    code = client.post(f"/api/v1/promos/{promo_id}/codes", {"code": "spring25", "max_uses": 10}, format="json")
    assert code.status_code == 201
    assert code.json()["code"] == "SPRING25"
    assert Promo.objects.get(pk=promo_id).requires_code

    def quote(promo_code):
        body = {"total_amount": "1000", "promo_code": promo_code}
        return client.post("/api/v1/quote", body, format="json").json()

    assert quote("spring25")["earn_points"] == 150
    assert quote("")["earn_points"] == 50
    assert quote("nope")["refusals"][0]["code"] == "promo_code"
    assert client.delete(f"/api/v1/promos/{promo_id}/codes/{code.json()['id']}").status_code == 204
    assert not PromoCode.objects.get(code="SPRING25").is_active
    assert quote("spring25")["earn_points"] == 50


def test_promo_without_effect_is_refused(alpha):
    response = api_as(alpha, "admin").post("/api/v1/promos", {"name": "Nothing"}, format="json")
    assert response.status_code == 422
    assert "multiplier" in response.json()["error"]["fields"]


def test_promo_limited_to_restaurants_and_levels(alpha):
    client = api_as(alpha, "admin")
    level = client.post(
        "/api/v1/levels", {"name": "Gold", "threshold_amount": "0", "earn_rate_percent": "10"}, format="json"
    ).json()
    response = client.post(
        "/api/v1/promos",
        {
            "name": "Center gold",
            "multiplier": "2",
            "restaurant_ids": [alpha.restaurants[0].pk],
            "level_ids": [level["id"]],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["restaurant_ids"] == [alpha.restaurants[0].pk]
    assert response.json()["level_ids"] == [level["id"]]
    unknown = client.patch(f"/api/v1/promos/{response.json()['id']}", {"restaurant_ids": [999999]}, format="json")
    assert unknown.status_code == 422


def test_promo_code_list_counts_each_codes_uses(alpha):
    guest = register_guest(home_restaurant_id=alpha.restaurants[0].pk)
    promo = create_promo(actor=None, name="Coded", multiplier=Decimal(2), requires_code=True)
    create_promo_code(promo=promo, code="USED", actor=None, max_uses_per_guest=None)
    create_promo_code(promo=promo, code="UNUSED", actor=None)
    send_checks(alpha, [CheckSpec("1000", guest=guest, promo_code="USED") for _ in range(2)])
    codes = api_as(alpha, "owner").get(f"/api/v1/promos/{promo.pk}/codes").json()
    assert {code["code"]: code["uses"] for code in codes} == {"UNUSED": 0, "USED": 2}
