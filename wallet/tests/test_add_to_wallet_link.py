"""The guest's signed "add to wallet" link: a page with a button per configured wallet, the .pkpass download and
the redirect to Google's save page; a forged or foreign link is a readable 404, an expired one a readable 410."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest

from guests.models import Guest
from messaging.templating import guest_context, render_text
from tests.fixtures import ChainWorld, client_on
from wallet.links import add_token, add_url
from wallet.models import WalletCard, WalletPlatform
from wallet.tests.certificates import WalletCertificates
from wallet.tests.fake_google_wallet import FakeGoogleWallet


def _token(world: ChainWorld, guest: Guest) -> str:
    return add_token(guest_id=guest.pk, schema_name=world.chain.schema_name)


def test_the_link_page_offers_each_configured_wallet(
    alpha: ChainWorld, apple_wallet: WalletCertificates, google_wallet: FakeGoogleWallet, guest: Guest
) -> None:
    url = add_url(base_url=alpha.chain.base_url, guest_id=guest.pk, schema_name=alpha.chain.schema_name)
    response = client_on(alpha.host).get(url.removeprefix(alpha.chain.base_url))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Add to Apple Wallet" in page and "Add to Google Wallet" in page


def test_without_a_configured_wallet_the_page_offers_no_button(alpha: ChainWorld, guest: Guest) -> None:
    response = client_on(alpha.host).get(f"/wallet/add/{_token(alpha, guest)}/")
    assert response.status_code == 200
    assert "Add to Apple Wallet" not in response.content.decode()
    assert client_on(alpha.host).get(f"/wallet/add/{_token(alpha, guest)}/apple/").status_code == 404


def test_the_apple_button_downloads_the_guests_pass(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    response = client_on(alpha.host).get(f"/wallet/add/{_token(alpha, guest)}/apple/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    card = WalletCard.objects.get(guest=guest, platform=WalletPlatform.APPLE)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("pass.json"))["serialNumber"] == card.serial


def test_the_google_button_redirects_to_googles_save_page(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest
) -> None:
    response = client_on(alpha.host).get(f"/wallet/add/{_token(alpha, guest)}/google/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://pay.google.com/gp/v/save/")
    assert WalletCard.objects.filter(guest=guest, platform=WalletPlatform.GOOGLE).exists()


def test_a_forged_or_foreign_link_is_a_readable_404(
    alpha: ChainWorld, beta: ChainWorld, apple_wallet: WalletCertificates, guest: Guest
) -> None:
    token = _token(alpha, guest)
    for host, path in (
        (alpha.host, f"/wallet/add/{token[:-2]}xx/"),
        (alpha.host, "/wallet/add/nonsense/apple/"),
        (beta.host, f"/wallet/add/{token}/apple/"),
    ):
        response = client_on(host).get(path)
        assert response.status_code == 404
        assert "This link is not valid." in response.content.decode()
    assert not WalletCard.objects.exists()


def test_an_expired_link_is_a_readable_410(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(alpha, guest)
    later = datetime.datetime.now(tz=datetime.UTC).timestamp() + 15 * 86400  # WALLET_LINK_DAYS is 14
    monkeypatch.setattr("time.time", lambda: later)
    response = client_on(alpha.host).get(f"/wallet/add/{token}/apple/")
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()


def test_a_message_text_can_carry_the_guests_wallet_link(
    alpha: ChainWorld, google_wallet: FakeGoogleWallet, guest: Guest
) -> None:
    text = render_text("Your card in the phone: {{ wallet_url }}", guest_context(guest, chain_name=alpha.chain.name))
    url = text.removeprefix("Your card in the phone: ")
    assert url.startswith(f"{alpha.chain.base_url}/wallet/add/")
    assert client_on(alpha.host).get(f"{url.removeprefix(alpha.chain.base_url)}google/").status_code == 302


def test_without_a_wallet_the_message_variable_is_empty(alpha: ChainWorld, guest: Guest) -> None:
    assert render_text("[{{ wallet_url }}]", guest_context(guest)) == "[]"
