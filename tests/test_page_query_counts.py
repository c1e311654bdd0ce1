"""No page's query count grows with the rows it shows: each admin page, the till and each API list is requested with
N rows of everything and again with 3N (guests, checks, failed checks, visits, ledger entries, audit rows, promos,
all written through the production services), and must cost the same number of queries both times (an N+1 shows as growth)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.services import adjust_points, create_promo, create_promo_code
from pos.models import PosConnection
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import api_as, signed_in_client

N = 3


class Rows:
    """A chain's rows, grown by the production write paths; `regular` is the guest whose history grows."""

    def __init__(self, world):
        self.world = world
        self.regular = register_guest(first_name="Regular", home_restaurant_id=world.restaurants[0].pk)
        self.coded = create_promo(actor=world.user("admin"), name="Coded", bonus_points=50)
        self.serial = 0

    def grow(self, count):
        world, center, riverside = self.world, self.world.restaurants[0], self.world.restaurants[1]
        guests = [
            register_guest(first_name=f"Guest {self.serial}-{number}", home_restaurant_id=center.pk)
            for number in range(count)
        ]
        checks = [CheckSpec("1200.00", guest=guest, restaurant=center) for guest in guests]
        checks += [CheckSpec("800.00", guest=self.regular, restaurant=center) for _ in range(count)]
        checks += [CheckSpec("500.00", restaurant=riverside) for _ in range(count)]  # no loyalty guest
        # Refunds of sales never sent: they fail, listed on the restaurant's page.
        checks += [CheckSpec("100.00", restaurant=center, is_refund=True) for _ in range(count)]
        send_checks(world, checks)
        for _ in range(count):
            self.serial += 1
            adjust_points(
                guest=self.regular,
                points=5,
                reason=f"Gesture {self.serial}",
                actor=world.user("owner"),
                idempotency_key=f"query-counts-{self.serial}",
            )
            create_promo(actor=world.user("admin"), name=f"Promo {self.serial}", multiplier=Decimal(2))
            create_promo_code(promo=self.coded, code=f"CODE{self.serial}", actor=world.user("admin"))


@pytest.fixture
def rows(alpha):
    grown = Rows(alpha)
    grown.grow(N)
    return grown


def _queries(client, address):
    client.get(address)  # caches warmed (roll-ups, the layout's answers), as a second visit finds them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    return len(captured.captured_queries)


PAGES = [
    ("owner", "/dashboard/"),
    ("owner", "/analytics/"),
    ("owner", "/guests/"),
    ("owner", "/guests/{regular}/"),
    ("manager", "/guests/{regular}/"),
    ("owner", "/audit/"),
    ("owner", "/restaurants/"),
    ("owner", "/restaurants/{center}/"),
    ("owner", "/restaurants/{center}/connections/{connection}/"),
    ("owner", "/loyalty/"),
    ("owner", "/loyalty/levels/"),
    ("owner", "/loyalty/promos/"),
    ("owner", "/loyalty/promos/{coded}/"),
    ("owner", "/settings/"),
    ("owner", "/settings/telegram/"),
    ("owner", "/staff/"),
    ("owner", "/billing/"),
    ("owner", "/setup/"),
    ("cashier", "/cashier/"),
    ("cashier", "/cashier/guests/{regular}/"),
]

API_LISTS = [
    ("owner", "/api/v1/guests"),
    ("manager", "/api/v1/guests"),
    ("owner", "/api/v1/guests/{regular}/transactions"),
    ("owner", "/api/v1/guests/{regular}/visits"),
    ("owner", "/api/v1/pos/receipts"),
    ("manager", "/api/v1/pos/receipts"),
    ("owner", "/api/v1/pos/connections"),
    ("owner", "/api/v1/pos/rejected-attempts"),
    ("owner", "/api/v1/restaurants"),
    ("owner", "/api/v1/promos"),
    ("owner", "/api/v1/promos/{coded}/codes"),
    ("owner", "/api/v1/levels"),
]


def _address(template, rows):
    center = rows.world.restaurants[0]
    connection_id = PosConnection.objects.filter(restaurant=center).values_list("pk", flat=True).first()
    return template.format(regular=rows.regular.pk, center=center.pk, connection=connection_id, coded=rows.coded.pk)


@pytest.mark.parametrize(("role", "template"), PAGES)
def test_page_costs_the_same_queries_for_n_and_3n_rows(rows, role, template):
    client = signed_in_client(rows.world, role)
    address = _address(template, rows)
    few = _queries(client, address)
    rows.grow(2 * N)
    assert _queries(client, address) == few, address


@pytest.mark.parametrize(("role", "template"), API_LISTS)
def test_api_list_costs_the_same_queries_for_n_and_3n_rows(rows, role, template):
    client = api_as(rows.world, role)
    address = _address(template, rows)
    few = _queries(client, address)
    rows.grow(2 * N)
    assert _queries(client, address) == few, address
