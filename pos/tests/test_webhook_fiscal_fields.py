"""The webhook check may name the fiscal document printed for it (`fiscal`: fn, i, fp): it is stored with the receipt
so a guest's claim from the receipt's QR finds it; a malformed block is refused with the field named."""

from __future__ import annotations

from pos.tests.claims import FISCAL_DRIVE, fiscal_of
from pos.tests.conftest import check_payload, receipt


def test_a_check_with_its_fiscal_document_is_stored_with_it(webhook):
    response = webhook.post(check_payload("W-F1") | {"fiscal": {"fn": FISCAL_DRIVE, "i": "00042", "fp": 1234567890}})
    assert response.status_code in (200, 201, 202), response.content
    assert receipt("W-F1").fiscal_key == f"{FISCAL_DRIVE}/42/1234567890"


def test_a_check_without_fiscal_data_is_accepted_as_before(webhook):
    assert webhook.post(check_payload("W-F2")).status_code in (200, 201, 202)
    assert receipt("W-F2").fiscal_key == ""


def test_a_malformed_fiscal_block_is_refused_naming_the_field(webhook):
    response = webhook.post(check_payload("W-F3") | {"fiscal": fiscal_of() | {"fn": "12"}})
    assert response.status_code == 422
    assert "fiscal.fn" in response.json()["error"]["fields"]
    response = webhook.post(check_payload("W-F4") | {"fiscal": "9960440300000001/1/1"})
    assert response.status_code == 422
    assert "fiscal" in response.json()["error"]["fields"]
