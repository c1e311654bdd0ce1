"""Encryption at rest for secrets we must read back (POS credentials, webhook signing secrets).

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first). Every key in the list can
decrypt; only the first encrypts, so a new key is rolled out by putting it first and re-encrypting with
`reencrypt_text`. Without the variable a key is derived from SECRET_KEY (development only; prod refuses it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionFailed(Exception):
    """The stored value was encrypted with a key that is no longer configured (or was tampered with)."""


def derived_development_key(secret_key: str) -> bytes:
    digest = hashlib.sha256(f"maxloyalty-field-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> list[bytes]:
    keys = [key.strip().encode() for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if key.strip()]
    return keys or [derived_development_key(settings.SECRET_KEY)]


@cache
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _cipher() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def encrypt_text(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed("The value cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS") from error


def reencrypt_text(token: str) -> str:
    """The same plaintext under the newest key (for key rotation)."""
    try:
        return _cipher().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed("The value cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS") from error


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt_text(json.dumps(value, separators=(",", ":"), sort_keys=True))


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    value = json.loads(decrypt_text(token))
    assert isinstance(value, dict)
    return value
