"""Fixtures of the wallet tests: throwaway certificates, the Apple and Google settings pointing at them, guests
registered through guests.services and checks applied by loyalty's service with their after-commit events run."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache

from guests.models import Guest
from loyalty.rules import Check
from loyalty.services import apply_check
from messaging.tests.conftest import make_guest  # noqa: F401
from telegram_bot.tests.conftest import (  # noqa: F401
    _fake_telegram_server,
    alpha_bot,
    linked_guest,
    send_update,
    telegram_api,
)
from tests.fixtures import ChainWorld
from wallet.tests.certificates import KEY_PASSWORD, PASS_TYPE_ID, TEAM_ID, WalletCertificates, make_certificates
from wallet.tests.fake_apns import FakeApns, start_fake_apns
from wallet.tests.fake_google_wallet import FakeGoogleWallet, start_fake_google_wallet

_keys = itertools.count(1)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> WalletCertificates:
    return make_certificates(Path(tmp_path_factory.mktemp("wallet-certificates")))


@pytest.fixture(scope="session")
def _fake_apns_server(certificates: WalletCertificates) -> Iterator[FakeApns]:
    fake = start_fake_apns(certificates)
    yield fake
    fake.server.shutdown()


@pytest.fixture
def apns(_fake_apns_server: FakeApns) -> FakeApns:
    """The fake APNs the apple_wallet settings point at, emptied for the test."""
    _fake_apns_server.pushes.clear()
    _fake_apns_server.gone.clear()
    return _fake_apns_server


@pytest.fixture
def apple_wallet(settings: Any, certificates: WalletCertificates, apns: FakeApns) -> WalletCertificates:
    """Apple Wallet configured: the certificates as paths, the (encrypted) key as PEM text, APNs the fake."""
    settings.APNS_URL = apns.url
    settings.APNS_CA_CERTIFICATE = str(certificates.ca)
    settings.APPLE_PASS_TYPE_ID = PASS_TYPE_ID
    settings.APPLE_TEAM_ID = TEAM_ID
    settings.APPLE_PASS_CERTIFICATE = str(certificates.pass_certificate)
    settings.APPLE_PASS_KEY = certificates.pass_key.read_text()
    settings.APPLE_PASS_KEY_PASSWORD = KEY_PASSWORD
    settings.APPLE_WWDR_CERTIFICATE = str(certificates.wwdr)
    return certificates


ISSUER_ID = "3388000000012345678"
SERVICE_ACCOUNT = "wallet@maxloyalty-test.iam.gserviceaccount.com"


@pytest.fixture(scope="session")
def google_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def _fake_google_server() -> Iterator[FakeGoogleWallet]:
    fake = start_fake_google_wallet()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def google_wallet(
    settings: Any, google_key: rsa.RSAPrivateKey, _fake_google_server: FakeGoogleWallet
) -> FakeGoogleWallet:
    """Google Wallet configured with a throwaway service account key; its token and REST API are the fake."""
    fake = _fake_google_server
    fake.token_requests.clear()
    fake.calls.clear()
    fake.objects.clear()
    fake.classes.clear()
    fake.failures_left = 0
    cache.delete("wallet:google-access-token")
    settings.GOOGLE_WALLET_ISSUER_ID = ISSUER_ID
    settings.GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL = SERVICE_ACCOUNT
    settings.GOOGLE_WALLET_PRIVATE_KEY = google_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.GOOGLE_WALLET_API_URL = fake.url
    settings.GOOGLE_OAUTH_TOKEN_URL = f"{fake.url}/token"
    return fake


@pytest.fixture
def guest(make_guest: Callable[..., Guest]) -> Guest:  # noqa: F811
    return make_guest(first_name="Anna", last_name="Petrova", email="anna@example.com", consents={"email": True})


@pytest.fixture
def spend(alpha: ChainWorld, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """spend(guest, amount): a check applied by loyalty's service; the events after commit run (tasks are eager)."""

    def make(guest: Guest, amount: str = "1000") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return apply_check(
                guest=guest,
                check=Check(total_amount=Decimal(amount)),
                restaurant=alpha.restaurants[0],
                idempotency_key=f"wallet-test:{next(_keys)}",
            )

    return make
