"""The chain's card colours: owners and admins set them on the settings page (hex "#rrggbb", refused with a clear
form error when the text or labels would be unreadable on the background), audited; the page previews the card;
the Apple pass and the Google class and object show them."""

from __future__ import annotations

import io
import json
import zipfile

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from audit.models import AuditEntry
from guests.models import Guest
from tenants.models import Chain
from tenants.services import set_card_colours
from tests.fixtures import ChainWorld, signed_in_client
from wallet.models import WalletPlatform
from wallet.selectors import apple_pass_of_card, google_save_url_of_card
from wallet.services import issue_card
from wallet.tests.certificates import WalletCertificates
from wallet.tests.fake_google_wallet import FakeGoogleWallet

URL = "/settings/card-colours/"
BRAND = {"card_background": "#7a1f2b", "card_foreground": "#fff8e7", "card_label": "#f2c6a0"}


def _chain() -> Chain:
    return Chain.objects.get(slug="alpha")


def test_the_owner_sets_the_card_colours_audited(alpha: ChainWorld) -> None:
    response = signed_in_client(alpha, "owner").post(URL, {**BRAND, "card_background": "#7A1F2B"})
    assert response.status_code == 302
    chain = _chain()
    assert (chain.card_background, chain.card_foreground, chain.card_label) == tuple(BRAND.values())
    entry = AuditEntry.objects.get(action="chain.card_colours_changed")
    assert entry.changes["card_background"] == ["#202940", "#7a1f2b"]
    assert entry.actor_id == alpha.user("owner").pk


def test_an_unreadable_pair_is_refused_with_a_form_error(alpha: ChainWorld) -> None:
    response = signed_in_client(alpha, "admin").post(
        URL, {"card_background": "#ffffff", "card_foreground": "#eeeeee", "card_label": "#dddddd"}
    )
    assert response.status_code == 422
    errors = response.context["colours_form"].errors
    assert "hard to read" in errors["card_foreground"][0]
    assert "hard to read" in errors["card_label"][0]
    assert _chain().card_background == "#202940"
    assert not AuditEntry.objects.filter(action="chain.card_colours_changed").exists()


def test_a_colour_that_is_not_hex_is_refused(alpha: ChainWorld) -> None:
    response = signed_in_client(alpha, "owner").post(URL, {**BRAND, "card_label": "red"})
    assert response.status_code == 422
    assert "#rrggbb" in response.context["colours_form"].errors["card_label"][0]
    assert _chain().card_label == "#bec8dc"


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_cannot_change_the_colours(alpha: ChainWorld, role: str) -> None:
    assert signed_in_client(alpha, role).post(URL, BRAND).status_code == 403
    assert _chain().card_background == "#202940"


def test_the_settings_page_previews_the_card_in_its_colours(alpha: ChainWorld) -> None:
    signed_in_client(alpha, "owner").post(URL, BRAND)
    page = signed_in_client(alpha, "owner").get("/settings/").content.decode()
    start = page.index('data-testid="wallet-card-preview"')
    preview = page[start : page.index("</svg>\n", start)]
    assert 'fill="#7a1f2b"' in preview and 'fill="#fff8e7"' in preview and 'fill="#f2c6a0"' in preview
    assert alpha.chain.name in preview
    assert '<image href="data:image/svg+xml' in preview  # the sample QR where the till's QR sits


def test_the_apple_pass_and_the_google_documents_show_the_colours(
    alpha: ChainWorld,
    apple_wallet: WalletCertificates,
    google_wallet: FakeGoogleWallet,
    google_key: rsa.RSAPrivateKey,
    guest: Guest,
) -> None:
    set_card_colours(chain=alpha.chain, actor=alpha.user("owner"), **BRAND)
    with zipfile.ZipFile(io.BytesIO(apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE)))) as z:
        document = json.loads(z.read("pass.json"))
    assert (document["backgroundColor"], document["foregroundColor"], document["labelColor"]) == (
        "rgb(122, 31, 43)",
        "rgb(255, 248, 231)",
        "rgb(242, 198, 160)",
    )
    url = google_save_url_of_card(issue_card(guest=guest, platform=WalletPlatform.GOOGLE))
    claims = jwt.decode(url.rsplit("/", 1)[1], google_key.public_key(), algorithms=["RS256"], audience="google")
    assert claims["payload"]["loyaltyClasses"][0]["hexBackgroundColor"] == "#7a1f2b"
    assert claims["payload"]["loyaltyObjects"][0]["hexBackgroundColor"] == "#7a1f2b"
