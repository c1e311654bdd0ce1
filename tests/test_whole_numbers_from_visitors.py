"""A number from a visitor (a page number in a URL) is read as ASCII digits within a bound, else the default
(maxloyalty.whole_numbers): "²" and a 5,000-digit string give the first page, not a 500."""

from __future__ import annotations

import pytest

from maxloyalty.whole_numbers import MAX_ID, whole_number
from tests.fixtures import signed_in_client

ODD_NUMBERS = ["²", "9" * 5000, "١٢", "-3", "1_000", " 7", str(MAX_ID + 1)]


@pytest.mark.parametrize("raw", ODD_NUMBERS)
def test_odd_input_gives_the_default(raw):
    assert whole_number(raw, default=1) == 1


def test_plain_digits_within_the_bound_are_read():
    assert whole_number("42", default=1) == 42
    assert whole_number("42", default=1, maximum=41) == 1
    assert whole_number(None, default=None) is None


@pytest.mark.parametrize("path", ["/guests/", "/guests/duplicates/", "/fraud/"])
@pytest.mark.parametrize("raw", ["²", "9" * 5000])
def test_pages_answer_an_odd_page_number_with_the_first_page(alpha, path, raw):
    response = signed_in_client(alpha, "owner").get(path, {"page": raw})
    assert response.status_code == 200
