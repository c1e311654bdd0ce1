"""Secrets at rest: encrypted with the newest FIELD_ENCRYPTION_KEYS key, readable with any listed key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from maxloyalty.encryption import DecryptionFailed, decrypt_text, encrypt_text, reencrypt_text


def test_a_value_encrypted_under_an_old_key_is_still_readable_after_a_new_key_is_added(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt_text("api-login-1")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt_text(token) == "api-login-1"
    rotated = reencrypt_text(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert decrypt_text(rotated) == "api-login-1"
    with pytest.raises(DecryptionFailed):
        decrypt_text(token)


def test_ciphertext_does_not_contain_the_plaintext_and_differs_each_time(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    first, second = encrypt_text("whsec_abc"), encrypt_text("whsec_abc")
    assert "whsec_abc" not in first
    assert first != second


def test_without_configured_keys_a_development_key_derived_from_secret_key_is_used(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = encrypt_text("dev")
    settings.SECRET_KEY = "another-secret-key-for-this-test"
    with pytest.raises(DecryptionFailed):
        decrypt_text(token)
