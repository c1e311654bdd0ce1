"""GET /api/v1/guests/{id}/wallet: the guest's wallet cards (platform, devices, last change) and the signed
add-to-wallet URL an integrator can hand the guest; an empty list and a null URL while no wallet is configured.
The guest page's roles: owners, admins, managers within their restaurants' guests (404 for others), cashiers
none (403); never across chains."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context

from guests.models import Guest
from tests.checks import register_guest
from tests.fixtures import ChainWorld, api_as
from wallet.models import WalletPlatform
from wallet.selectors import guest_of_link
from wallet.services import issue_card, register_device
from wallet.tests.certificates import WalletCertificates


@pytest.fixture
def guest(guest: Guest, alpha: ChainWorld) -> Guest:
    """The wallet tests' guest, at the manager's restaurant."""
    Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[0])
    guest.refresh_from_db()
    return guest


def test_no_wallet_configured_no_cards_and_no_url(alpha: ChainWorld, guest: Guest) -> None:
    response = api_as(alpha, "owner").get(f"/api/v1/guests/{guest.pk}/wallet")
    assert response.status_code == 200, response.content
    assert response.json() == {"cards": [], "add_url": None}


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_the_cards_their_devices_and_the_signed_add_url(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, role: str
) -> None:
    apple = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    register_device(card=apple, device_library_id="phone", push_token="t1")
    register_device(card=apple, device_library_id="watch", push_token="t2")
    body = api_as(alpha, role).get(f"/api/v1/guests/{guest.pk}/wallet").json()
    assert [(card["platform"], card["devices"]) for card in body["cards"]] == [("apple", 2)]
    assert parse_datetime(body["cards"][0]["last_updated_at"]) == apple.changed_at
    assert body["add_url"].startswith(f"{alpha.chain.base_url}/wallet/add/")
    token = body["add_url"].split("/wallet/add/")[1].split("/")[0]
    assert guest_of_link(token) == guest


def test_a_manager_gets_404_outside_their_guests_and_a_cashier_403(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    assert api_as(alpha, "cashier").get(f"/api/v1/guests/{guest.pk}/wallet").status_code == 403
    Guest.objects.filter(pk=guest.pk).update(home_restaurant=alpha.restaurants[1])
    refused = api_as(alpha, "manager").get(f"/api/v1/guests/{guest.pk}/wallet")
    assert refused.status_code == 404
    assert "add_url" not in refused.json()


def test_a_guest_stays_in_their_chain_both_ways(
    alpha: ChainWorld, beta: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    assert api_as(beta, "owner").get(f"/api/v1/guests/{guest.pk}/wallet").status_code == 404
    with schema_context(beta.chain.schema_name):
        betas = register_guest()
        issue_card(guest=betas, platform=WalletPlatform.GOOGLE)
    on_beta = api_as(beta, "owner").get(f"/api/v1/guests/{betas.pk}/wallet").json()
    assert [card["platform"] for card in on_beta["cards"]] == ["google"]
    assert on_beta["add_url"].startswith(f"{beta.chain.base_url}/wallet/add/")
    on_alpha = api_as(alpha, "owner").get(f"/api/v1/guests/{betas.pk}/wallet")
    # 404, or (the same id in alpha's own sequence) alpha's own guest's cards: never beta's card.
    assert on_alpha.status_code == 404 or on_alpha.json()["cards"] == []
