"""The "cost of a text" helper of the Messaging settings page: the encoding, the characters as the network counts
them and the parts of the typed text (messaging.sms.parts.count_parts)."""

from __future__ import annotations

import pytest

from tests.fixtures import signed_in_client

URL = "/messaging/settings/sms/cost/"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Hello!", "GSM-7, 6 characters: 1 part"),
        ("x" * 161, "GSM-7, 161 characters: 2 parts"),
        ("Привет!", "UCS-2, 7 characters: 1 part"),
        ("€" * 80, "GSM-7, 160 characters: 1 part"),  # an extension character counts twice
    ],
)
def test_the_helper_shows_encoding_characters_and_parts(alpha, text, shown):
    response = signed_in_client(alpha, "owner").get(URL, {"text": text})

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_the_settings_page_offers_the_helper_without_inline_script(alpha):
    page = signed_in_client(alpha, "admin").get("/messaging/settings/").content.decode()

    assert 'hx-get="/messaging/settings/sms/cost/"' in page
    assert "<script>" not in page


def test_a_cashier_cannot_use_it(alpha):
    response = signed_in_client(alpha, "cashier").get(URL, {"text": "Hello"})

    assert response.status_code in (302, 403)
