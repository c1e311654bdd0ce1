"""Texts chains write for guests: an unknown variable or other template syntax is a form error naming the field;
a checked text is filled from a guest's values, escaped in HTML; previews fill every variable of the kind."""

from __future__ import annotations

import pytest

from loyalty.models import EntryKind
from loyalty.services.ledger import accrue_points
from loyalty.tests.factories import GuestFactory
from maxloyalty.errors import ValidationFailed
from messaging.templating import check_text, check_texts, guest_context, render_text, sample_context, variables_of


def test_a_known_variable_passes_and_an_unknown_one_is_named() -> None:
    check_text("Привет, {{ first_name }}! У вас {{points}} баллов", kind="campaign")
    with pytest.raises(ValidationFailed) as refused:
        check_text("Hi {{ frist_name }}", kind="campaign", field="body")
    assert "frist_name" in refused.value.fields["body"][0]


def test_a_kind_offers_its_own_variables_only() -> None:
    check_text("{{ expiring_points }} expire on {{ expiry_date }}", kind="points_expiring")
    with pytest.raises(ValidationFailed):
        check_text("{{ expiring_points }}", kind="receipt")


@pytest.mark.parametrize("text", ["{% load static %}", "{{ first_name|upper }}", "{{ guest.phone }}", "}} {{"])
def test_other_template_syntax_is_refused(text) -> None:
    with pytest.raises(ValidationFailed):
        check_text(text, kind="campaign")


def test_several_fields_are_checked_together() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_texts({"subject": "{{ nope }}", "text": "{{ first_name }}", "html": "{% if %}"}, kind="campaign")
    assert set(refused.value.fields) == {"subject", "html"}


def test_a_guests_values_fill_the_text_and_html_is_escaped(alpha) -> None:
    guest = GuestFactory(first_name="<b>Анна</b>", last_name="Иванова", home_restaurant=alpha.restaurants[0])
    accrue_points(
        guest=guest, points=1500, kind=EntryKind.ACCRUAL, idempotency_key="tmpl-1", restaurant=alpha.restaurants[0]
    )
    context = guest_context(guest, chain_name="Alpha")
    assert render_text("{{ full_name }}: {{ points }}", context) == "<b>Анна</b> Иванова: 1\u202f500"
    assert render_text("<p>{{ first_name }}</p>", context, html=True) == "<p>&lt;b&gt;Анна&lt;/b&gt;</p>"
    assert render_text("{{ chain }}, {{ restaurant }}", context) == f"Alpha, {alpha.restaurants[0].name}"


def test_a_sample_fills_every_variable_of_the_kind() -> None:
    sample = sample_context("points_expiring", chain_name="Alpha")
    assert set(sample) == set(variables_of("points_expiring"))
    assert all(value for value in sample.values())
