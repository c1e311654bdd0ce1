"""Google Wallet: the "Save to Google Wallet" link (a JWT signed RS256 with the service account's key, carrying
the loyalty class and object) and the REST API's loyaltyObject update, authorised by an OAuth2 access token got
with the JWT-bearer grant of the same service account.

https://developers.google.com/wallet/retail/loyalty-cards/rest/v1/loyaltyobject
https://developers.google.com/identity/protocols/oauth2/service-account#httprest
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import jwt
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from maxloyalty.outbound import OutboundError, outbound_client, send
from wallet.configuration import pem_bytes

logger = logging.getLogger(__name__)

SAVE_URL = "https://pay.google.com/gp/v/save/"
SCOPE = "https://www.googleapis.com/auth/wallet_object.issuer"
TIMEOUT_SECONDS = 10.0
_TOKEN_CACHE_KEY = "wallet:google-access-token"  # noqa: S105  (a cache key, not a secret)


class GoogleWalletUnavailable(Exception):
    pass


def class_id(chain_slug: str) -> str:
    return f"{settings.GOOGLE_WALLET_ISSUER_ID}.{chain_slug.replace('-', '_')}"


def object_id(serial: str) -> str:
    # Google allows letters, digits, ".", "_" and "-" after the issuer: a serial is URL-safe base64.
    return f"{settings.GOOGLE_WALLET_ISSUER_ID}.{serial}"


def loyalty_class(*, chain_slug: str, chain_name: str, background_hex: str, logo_url: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": class_id(chain_slug),
        "issuerName": chain_name,
        "programName": _("%(chain)s loyalty card") % {"chain": chain_name},
        "reviewStatus": "UNDER_REVIEW",
        "hexBackgroundColor": background_hex,
    }
    if logo_url:
        document["programLogo"] = {"sourceUri": {"uri": logo_url}}
    return document


def loyalty_object(
    *,
    chain_slug: str,
    serial: str,
    guest_name: str,
    level_name: str,
    points: int,
    qr_value: str,
    card_number: str,
    background_hex: str,
) -> dict[str, Any]:
    return {
        "id": object_id(serial),
        "classId": class_id(chain_slug),
        "state": "ACTIVE",
        "hexBackgroundColor": background_hex,
        "accountId": card_number or serial,
        "accountName": guest_name,
        "loyaltyPoints": {"label": _("Points"), "balance": {"int": points}},
        "secondaryLoyaltyPoints": {"label": _("Level"), "balance": {"string": level_name or "—"}},
        "barcode": {"type": "QR_CODE", "value": qr_value, "alternateText": card_number},
    }


def _private_key() -> bytes:
    return pem_bytes(settings.GOOGLE_WALLET_PRIVATE_KEY)


def save_url(*, loyalty_class_document: dict[str, Any], loyalty_object_document: dict[str, Any], origin: str) -> str:
    """The "Save to Google Wallet" address of the card."""
    claims = {
        "iss": settings.GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL,
        "aud": "google",
        "typ": "savetowallet",
        "iat": int(time.time()),
        "origins": [origin],
        "payload": {"loyaltyClasses": [loyalty_class_document], "loyaltyObjects": [loyalty_object_document]},
    }
    return SAVE_URL + jwt.encode(claims, _private_key(), algorithm="RS256")


def _access_token(client: httpx.Client) -> str:
    token = cache.get(_TOKEN_CACHE_KEY)
    if isinstance(token, str):
        return token
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": settings.GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL,
            "scope": SCOPE,
            "aud": settings.GOOGLE_OAUTH_TOKEN_URL,
            "iat": now,
            "exp": now + 3600,
        },
        _private_key(),
        algorithm="RS256",
    )
    response = send(
        client,
        "POST",
        settings.GOOGLE_OAUTH_TOKEN_URL,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    if response.status_code != 200:
        raise GoogleWalletUnavailable(f"token endpoint answered {response.status_code}")
    body = response.json()
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str):
        raise GoogleWalletUnavailable("token endpoint gave no access_token")
    lifetime = body.get("expires_in", 3600)
    cache.set(_TOKEN_CACHE_KEY, token, timeout=max(int(lifetime) - 60, 1) if isinstance(lifetime, int) else 300)
    return token


def _objects_url(resource: str) -> str:
    return f"{settings.GOOGLE_WALLET_API_URL.rstrip('/')}/walletobjects/v1/{resource}"


def _upsert(client: httpx.Client, headers: dict[str, str], resource: str, document: dict[str, Any]) -> bool:
    """PATCH the document, inserted (POST) when Google does not know it yet; False when it did not go through."""
    base = _objects_url(resource)
    try:
        response = send(client, "PATCH", f"{base}/{document['id']}", headers=headers, json=document)
        if response.status_code == 404:
            response = send(client, "POST", base, headers=headers, json=document)
    except (OutboundError, httpx.TimeoutException) as error:
        logger.warning("Google Wallet could not be reached: %s", error.__class__.__name__)
        return False
    if response.status_code not in (200, 201):
        logger.warning("Google Wallet refused a %s update: %s", resource, response.status_code)
        return False
    return True


def _authorisation(client: httpx.Client) -> dict[str, str] | None:
    try:
        return {"Authorization": f"Bearer {_access_token(client)}"}
    except (OutboundError, httpx.TimeoutException, GoogleWalletUnavailable, ValueError) as error:
        logger.warning("Google Wallet token not obtained: %s", error)
        return None


def update_loyalty_objects(documents: list[dict[str, Any]]) -> list[str]:
    """PATCH each loyalty object (inserted when Google does not know it yet); returns the ids that failed."""
    if not documents:
        return []
    with outbound_client(timeout=TIMEOUT_SECONDS) as client:
        headers = _authorisation(client)
        if headers is None:
            return [document["id"] for document in documents]
        return [document["id"] for document in documents if not _upsert(client, headers, "loyaltyObject", document)]


def update_loyalty_class(document: dict[str, Any]) -> bool:
    """PATCH the chain's loyalty class (its name, logo, colour: every saved card shows them), inserted when Google
    does not know it yet (no guest saved a card so far); False when it did not go through."""
    with outbound_client(timeout=TIMEOUT_SECONDS) as client:
        headers = _authorisation(client)
        return headers is not None and _upsert(client, headers, "loyaltyClass", document)
