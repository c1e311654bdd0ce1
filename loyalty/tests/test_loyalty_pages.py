"""The loyalty program pages: settings, levels, promos and codes, the earn preview; for owners and admins only."""

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from loyalty.models import Level, ProgramSettings, Promo, PromoCode
from loyalty.services import create_level, create_promo, update_program_settings
from tests.fixtures import client_on, signed_in_client


@pytest.fixture
def silver(alpha):
    return create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))


@pytest.fixture
def tuesday_double(alpha):
    return create_promo(actor=None, name="Double Tuesday", multiplier=Decimal(2), weekdays=[2])


PAGES = [
    "/loyalty/",
    "/loyalty/preview/?amount=2000&weekday=2&time=19:00",
    "/loyalty/levels/",
    "/loyalty/levels/new/",
    "/loyalty/levels/{level}/",
    "/loyalty/levels/{level}/delete/",
    "/loyalty/promos/",
    "/loyalty/promos/new/",
    "/loyalty/promos/{promo}/",
    "/loyalty/promos/{promo}/delete/",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 403), ("cashier", 403)])
def test_loyalty_pages_are_for_owners_and_admins(alpha, silver, tuesday_double, path, role, status):
    url = path.format(level=silver.pk, promo=tuesday_double.pk)
    assert signed_in_client(alpha, role).get(url).status_code == status


def test_signed_out_visitor_is_sent_to_sign_in(alpha):
    assert "/accounts/login/" in client_on(alpha.host).get("/loyalty/")["Location"]


def _settings_data(**changes):
    row = ProgramSettings(pk=1)
    data = {}
    for name in [
        "base_earn_rate_percent",
        "rounding",
        "earn_base",
        "point_value_amount",
        "min_redeem_points",
        "max_redeem_share_percent",
        "activation_delay_hours",
        "expiry_days",
        "expiry_warning_days",
        "level_threshold_mode",
        "level_rolling_days",
        "welcome_bonus_points",
        "birthday_bonus_points",
        "birthday_window_days_before",
        "birthday_window_days_after",
        "referral_bonus_points",
        "referred_bonus_points",
        "referral_min_check_amount",
        "referral_max_per_guest",
        "undo_window_minutes",
        "manager_adjustment_limit",
        "cashier_grant_limit",
    ]:
        data[name] = getattr(row, name)
    data["excluded_categories"] = ""
    data.update(changes)
    return data


def test_settings_are_saved_through_the_service_with_audit(alpha):
    response = signed_in_client(alpha, "admin").post("/loyalty/", _settings_data(base_earn_rate_percent="7.5"))
    assert response.status_code == 302
    assert ProgramSettings.objects.get().base_earn_rate_percent == Decimal("7.5")
    entry = AuditEntry.objects.get(action="loyalty.program_updated")
    assert entry.changes["base_earn_rate_percent"][1] in ("7.5", "7.50", 7.5)


def test_the_owner_sets_the_per_role_grant_limits_on_the_settings_page(alpha):
    response = signed_in_client(alpha, "owner").post(
        "/loyalty/", _settings_data(manager_adjustment_limit="300", cashier_grant_limit="50")
    )
    assert response.status_code == 302
    row = ProgramSettings.objects.get()
    assert (row.manager_adjustment_limit, row.cashier_grant_limit) == (300, 50)
    assert "cashier_grant_limit" in AuditEntry.objects.get(action="loyalty.program_updated").changes


def test_invalid_settings_show_field_errors_and_keep_the_typed_values(alpha):
    response = signed_in_client(alpha, "owner").post(
        "/loyalty/", _settings_data(base_earn_rate_percent="250", welcome_bonus_points="-3")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="error"') >= 2
    assert 'value="250"' in html
    assert 'value="-3"' in html
    assert not AuditEntry.objects.filter(action="loyalty.program_updated").exists()


def test_level_is_created_and_edited_with_audit(alpha):
    client = signed_in_client(alpha, "admin")
    data = {"name": "Gold", "threshold_amount": "50000", "earn_rate_percent": "10", "colour": "#ffd700"}
    assert client.post("/loyalty/levels/new/", data).status_code == 302
    gold = Level.objects.get(name="Gold")
    client.post(f"/loyalty/levels/{gold.pk}/", {**data, "earn_rate_percent": "12"})
    assert Level.objects.get(pk=gold.pk).earn_rate_percent == Decimal(12)
    assert AuditEntry.objects.filter(action="loyalty.level_created").exists()
    updated = AuditEntry.objects.get(action="loyalty.level_updated")
    assert "earn_rate_percent" in updated.changes
    assert "Gold" in client.get("/loyalty/levels/").content.decode()


def test_level_with_a_taken_name_shows_the_error_and_keeps_the_input(alpha, silver):
    response = signed_in_client(alpha, "admin").post(
        "/loyalty/levels/new/",
        {"name": "Silver", "threshold_amount": "777", "earn_rate_percent": "6", "colour": "#aaaaaa"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in html
    assert 'value="777"' in html
    assert Level.objects.count() == 1


def test_deleting_a_level_asks_first_and_only_a_post_deletes_it_with_audit(alpha, silver):
    client = signed_in_client(alpha, "owner")
    confirm = client.get(f"/loyalty/levels/{silver.pk}/delete/")
    assert 'data-testid="confirm-delete"' in confirm.content.decode()
    assert Level.objects.filter(pk=silver.pk).exists()
    assert client.post(f"/loyalty/levels/{silver.pk}/delete/").status_code == 302
    assert not Level.objects.filter(pk=silver.pk).exists()
    assert AuditEntry.objects.filter(action="loyalty.level_deleted").exists()


def test_promo_is_created_with_weekdays_and_levels(alpha, silver):
    client = signed_in_client(alpha, "admin")
    response = client.post(
        "/loyalty/promos/new/",
        {
            "name": "Happy Friday",
            "is_active": "on",
            "multiplier": "1.5",
            "bonus_points": "0",
            "combination": "best_of",
            "weekdays": ["5"],
            "level_ids": [str(silver.pk)],
        },
    )
    assert response.status_code == 302
    promo = Promo.objects.get(name="Happy Friday")
    assert promo.weekdays == [5]
    assert list(promo.levels.all()) == [silver]
    assert AuditEntry.objects.filter(action="loyalty.promo_created").exists()


def test_promo_that_gives_nothing_is_refused_with_the_input_kept(alpha):
    response = signed_in_client(alpha, "admin").post(
        "/loyalty/promos/new/", {"name": "Nothing at all", "bonus_points": "0", "combination": "best_of"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nothing at all"' in html
    assert 'class="form-errors"' in html or 'class="error"' in html
    assert not Promo.objects.exists()


def test_promo_codes_are_added_and_switched_off(alpha, tuesday_double):
    client = signed_in_client(alpha, "admin")
    client.post(f"/loyalty/promos/{tuesday_double.pk}/codes/", {"code": "tue2", "max_uses_per_guest": "1"})
    code = PromoCode.objects.get(promo=tuesday_double)
    assert code.code == "TUE2"
    duplicate = client.post(f"/loyalty/promos/{tuesday_double.pk}/codes/", {"code": "TUE2"})
    assert "This promo code already exists" in duplicate.content.decode()
    client.post(f"/loyalty/promos/{tuesday_double.pk}/codes/{code.pk}/deactivate/")
    assert not PromoCode.objects.get(pk=code.pk).is_active
    assert AuditEntry.objects.filter(action="loyalty.promo_code_deactivated").exists()


def test_deleting_a_promo_asks_first_and_only_a_post_deletes_it_with_audit(alpha, tuesday_double):
    client = signed_in_client(alpha, "owner")
    assert 'data-testid="confirm-delete"' in client.get(f"/loyalty/promos/{tuesday_double.pk}/delete/").content.decode()
    assert Promo.objects.filter(pk=tuesday_double.pk).exists()
    client.post(f"/loyalty/promos/{tuesday_double.pk}/delete/")
    assert not Promo.objects.filter(pk=tuesday_double.pk).exists()
    assert AuditEntry.objects.filter(action="loyalty.promo_deleted").exists()


def test_level_edit_page_costs_at_most_5_queries(alpha, silver, django_assert_max_num_queries):
    client = signed_in_client(alpha, "admin")
    client.get(f"/loyalty/levels/{silver.pk}/")  # the first request of a client also resolves the chain
    with django_assert_max_num_queries(5):  # the level is read once
        response = client.get(f"/loyalty/levels/{silver.pk}/")
    assert response.status_code == 200


def test_promo_edit_page_costs_at_most_10_queries(alpha, tuesday_double, django_assert_max_num_queries):
    client = signed_in_client(alpha, "admin")
    client.get(f"/loyalty/promos/{tuesday_double.pk}/")
    with django_assert_max_num_queries(10):  # the promo is read once
        response = client.get(f"/loyalty/promos/{tuesday_double.pk}/")
    assert response.status_code == 200


def test_refused_promo_change_costs_at_most_20_queries_and_keeps_the_saved_name(
    alpha, tuesday_double, django_assert_max_num_queries
):
    client = signed_in_client(alpha, "admin")
    url = f"/loyalty/promos/{tuesday_double.pk}/"
    gives_nothing = {"name": "Nothing at all", "bonus_points": "0", "combination": "best_of"}
    client.post(url, gives_nothing)  # the first request of a client also resolves the chain
    with django_assert_max_num_queries(20):  # the promo is read once, not again for the service and the page
        response = client.post(url, gives_nothing)
    html = response.content.decode()
    assert "<h1>Double Tuesday</h1>" in html
    assert 'value="Nothing at all"' in html
    assert "Give a multiplier above 1 or a fixed bonus." in html
    assert Promo.objects.get(pk=tuesday_double.pk).name == "Double Tuesday"


def _preview(client, **params):
    return client.get("/loyalty/preview/", {"time": "19:00", "weekday": 2, **params}, HTTP_HX_REQUEST="true")


def test_preview_shows_what_a_silver_guests_tuesday_check_earns_with_the_promo(alpha, silver, tuesday_double):
    update_program_settings(actor=None, changes={"base_earn_rate_percent": 5})
    client = signed_in_client(alpha, "admin")
    tuesday = _preview(client, amount="2000", level=silver.pk).content.decode()
    assert 'data-testid="preview-points">200<' in tuesday
    assert "Double Tuesday: +100" in tuesday
    assert "Silver" in tuesday
    wednesday = _preview(client, amount="2000", level=silver.pk, weekday=3).content.decode()
    assert 'data-testid="preview-points">100<' in wednesday
    assert "No promo applies." in wednesday


def test_preview_with_a_code_applies_the_codes_promo_and_says_when_a_code_is_unknown(alpha, tuesday_double):
    bonus = create_promo(actor=None, name="Code bonus", bonus_points=300, combination="stackable")
    signed_in_client(alpha, "admin").post(f"/loyalty/promos/{bonus.pk}/codes/", {"code": "HELLO"})
    client = signed_in_client(alpha, "admin")
    with_code = _preview(client, amount="1000", weekday=4, promo_code="hello").content.decode()
    assert "Code bonus: +300" in with_code
    unknown = _preview(client, amount="1000", weekday=4, promo_code="NOPE").content.decode()
    assert "The promo code is unknown, inactive or used up." in unknown
    assert "Code bonus" not in unknown


def test_preview_with_a_bad_amount_shows_the_error(alpha):
    html = _preview(signed_in_client(alpha, "admin"), amount="-5").content.decode()
    assert 'data-testid="preview-errors"' in html
