"""The layout's quick search finds guests, checks by POS id, staff and restaurants, each as a link, and each role
only what it may see: a cashier finds guests (opened at the till), a manager their restaurants' guests, checks and
restaurants, owners and admins also staff; nothing of another chain ever shows."""

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from guests.tests.factories import GuestFactory
from tests.checks import CheckSpec, send_checks
from tests.fixtures import signed_in_client


def _results(world, role, query):
    """(section kind, link) pairs of the htmx partial under the box."""
    response = signed_in_client(world, role).get("/accounts/search/", {"quick": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text  # the partial only
    return text


@pytest.fixture
def ivanov(alpha):
    return GuestFactory(first_name="Ivan", last_name="Ivanov", home_restaurant=alpha.restaurants[0])


def test_owner_finds_a_guest_by_a_misspelt_name_and_opens_the_guest_page(alpha, ivanov):
    text = _results(alpha, "owner", "Ivnaov")
    assert 'data-testid="quick-section-guests"' in text
    assert f'href="{reverse("guests:guest-detail", args=[ivanov.pk])}"' in text


def test_cashier_finds_guests_only_and_opens_them_at_the_till(alpha, ivanov):
    text = _results(alpha, "cashier", "Иванов")
    assert f'href="{reverse("pos:cashier-guest", args=[ivanov.pk])}"' in text
    assert _results(alpha, "cashier", "Center").count('data-testid="quick-result"') == 0  # no restaurants
    assert _results(alpha, "cashier", "alpha.test").count('data-testid="quick-result"') == 0  # no staff


def test_cashier_sees_the_guests_phone_masked(alpha, ivanov):
    text = _results(alpha, "cashier", "Ivanov")
    assert ivanov.phone not in text
    assert ivanov.phone[-2:] in text


def test_owner_finds_a_check_by_its_pos_id(alpha):
    (receipt,) = send_checks(alpha, [CheckSpec("990.00", external_id="CHK-77123")])
    text = _results(alpha, "owner", "CHK-77123")
    assert 'data-testid="quick-section-receipts"' in text
    assert "CHK-77123" in text
    assert reverse("restaurants:connection-detail", args=[receipt.restaurant_id, receipt.connection_id]) in text


def test_manager_finds_checks_and_restaurants_of_their_restaurants_only(alpha):
    own, other = alpha.restaurants
    send_checks(alpha, [CheckSpec("100.00", restaurant=other, external_id="CHK-OTHER-1")])
    send_checks(alpha, [CheckSpec("100.00", restaurant=own, external_id="CHK-OWN-1")])
    assert "CHK-OWN-1" in _results(alpha, "manager", "CHK-OWN-1")
    assert "CHK-OTHER-1" not in _results(alpha, "manager", "CHK-OTHER-1")
    text = _results(alpha, "manager", "Alpha")
    assert reverse("restaurants:detail", args=[own.pk]) in text
    assert reverse("restaurants:detail", args=[other.pk]) not in text


def test_staff_is_found_by_those_who_manage_staff_only(alpha):
    cashier = alpha.user("cashier")
    assert cashier.email in _results(alpha, "admin", "cashier@alpha")
    assert 'data-testid="quick-section-staff"' not in _results(alpha, "manager", "cashier@alpha")


def test_another_chains_guests_checks_and_staff_never_show(alpha, beta):
    with schema_context(beta.chain.schema_name):
        GuestFactory(first_name="Boris", last_name="Zolotarev")
        send_checks(beta, [CheckSpec("100.00", external_id="CHK-BETA-9")])
    for query in ("Zolotarev", "CHK-BETA-9", "owner@beta", "Beta"):
        assert _results(alpha, "owner", query).count('data-testid="quick-result"') == 0


def test_the_layout_has_the_box_with_its_shortcut_and_a_page_without_scripts(alpha, ivanov):
    client = signed_in_client(alpha, "owner")
    layout = client.get("/guests/").content.decode()
    assert 'data-testid="quick-search"' in layout
    assert 'aria-keyshortcuts="/"' in layout
    page = client.get("/accounts/search/", {"quick": "Ivanov"})
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert reverse("guests:guest-detail", args=[ivanov.pk]) in page.content.decode()


def test_a_one_letter_query_finds_nothing_and_says_so_on_the_page(alpha, ivanov):
    assert _results(alpha, "owner", "I").count('data-testid="quick-result"') == 0
    page = signed_in_client(alpha, "owner").get("/accounts/search/", {"quick": "I"}).content.decode()
    assert "Type at least 2 characters." in page


def test_signed_out_visitors_are_sent_to_sign_in(alpha):
    from tests.fixtures import client_on

    response = client_on(alpha.host).get("/accounts/search/", {"quick": "Ivanov"})
    assert response.status_code == 302
