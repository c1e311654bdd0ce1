"""Guest pages by role: owners, admins and managers get in (each to what their role allows), cashiers never do."""

import pytest

from guests.tests.factories import GuestFactory
from tests.fixtures import client_on, signed_in_client


@pytest.fixture
def guest(alpha):
    return GuestFactory(home_restaurant=alpha.restaurants[0], first_name="Vera")


PAGES = {
    "list": ("/guests/", {"owner", "admin", "manager"}),
    "export_csv": ("/guests/export.csv", {"owner", "admin", "manager"}),
    "export_xlsx": ("/guests/export.xlsx", {"owner", "admin", "manager"}),
    "import": ("/guests/import/", {"owner", "admin"}),
    "detail": ("/guests/{id}/", {"owner", "admin", "manager"}),
    "edit": ("/guests/{id}/edit/", {"owner", "admin", "manager"}),
    "erase": ("/guests/{id}/erase/", {"owner", "admin"}),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["owner", "admin", "manager", "cashier"])
def test_each_guest_page_opens_for_allowed_roles_and_is_403_for_others(alpha, guest, page, role):
    path, allowed = PAGES[page]
    response = signed_in_client(alpha, role).get(path.format(id=guest.pk))
    assert response.status_code == (200 if role in allowed else 403), (page, role)
    if role in allowed and page in ("detail", "edit", "erase"):
        assert "Vera" in response.content.decode()


def test_signed_out_visitor_is_sent_to_sign_in(alpha):
    response = client_on(alpha.host).get("/guests/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("action", ["adjust", "block", "unblock", "erase"])
def test_cashier_cannot_post_any_guest_action(alpha, guest, action):
    response = signed_in_client(alpha, "cashier").post(f"/guests/{guest.pk}/{action}/", {"points": 10, "reason": "x"})
    assert response.status_code == 403


def test_sidebar_shows_guests_to_managers_but_not_to_cashiers(alpha):
    assert 'href="/guests/"' in signed_in_client(alpha, "manager").get("/guests/").content.decode()
    assert 'href="/guests/"' not in signed_in_client(alpha, "cashier").get("/cashier/").content.decode()
