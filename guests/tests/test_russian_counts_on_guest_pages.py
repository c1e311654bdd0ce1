"""Staff read counts in proper Russian on the guest pages: «добавлена 1 гостю / 2 гостям», «+21 балл», «(2 гостя)»."""

import pytest
from django.conf import settings

from guests.tests.factories import GuestFactory
from tests.fixtures import signed_in_client


@pytest.fixture
def russian_admin(alpha):
    client = signed_in_client(alpha, "admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


@pytest.fixture
def guests(alpha):
    return [GuestFactory(home_restaurant=alpha.restaurants[0]) for _ in range(2)]


def test_bulk_tag_message_agrees_with_the_number_of_guests(russian_admin, guests):
    one = russian_admin.post(
        "/guests/bulk-tag/", {"guest_ids": [guests[0].pk], "tag": "vip", "operation": "add"}, follow=True
    )
    two = russian_admin.post(
        "/guests/bulk-tag/", {"guest_ids": [g.pk for g in guests], "tag": "party", "operation": "add"}, follow=True
    )

    assert "Метка «vip» добавлена 1 гостю." in one.content.decode()
    assert "Метка «party» добавлена 2 гостям." in two.content.decode()
    assert "(2 гостя)" in two.content.decode()


@pytest.mark.parametrize(
    ("points", "text"), [(21, "+21 балл: Извинение"), (3, "+3 балла: Извинение"), (11, "+11 баллов: Извинение")]
)
def test_manual_adjustment_message_agrees_with_the_number_of_points(russian_admin, guests, points, text):
    response = russian_admin.post(
        f"/guests/{guests[0].pk}/adjust/",
        {"points": points, "reason": "Извинение", "operation_key": f"ru-{points}"},
        HTTP_HX_REQUEST="true",
    )

    assert text in response.content.decode()
