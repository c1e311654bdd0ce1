"""A NUL character in a pulled check is dropped from every text it may sit in; a check without one is untouched."""

from __future__ import annotations

from decimal import Decimal

from pos.check_format import PosCheck, PosCheckLine, without_nul


def _check(text: str) -> PosCheck:
    return PosCheck(
        external_id=f"A{text}1",
        operation="sale",
        total_amount=Decimal("100.00"),
        currency="RUB",
        terminal=f"T{text}2",
        guest_kind="card",
        guest_value=f"55{text}01",
        lines=(PosCheckLine(sku=f"1{text}", name=f"Лат{text}те", category=f"co{text}ffee", quantity=1, price=100),),
        payments=({"type": f"Ca{text}rd", "amount": "100.00"},),
        promo_code=f"P{text}",
        payload={f"k{text}": [f"v{text}", {"n": f"x{text}"}], "number": 5},
    )


def test_every_text_of_a_pulled_check_loses_its_nul_characters():
    cleaned = without_nul(_check("\x00"))
    assert cleaned == _check("")
    assert cleaned.payload == _check("").payload  # compare=False on payload: checked on its own
    assert cleaned.lines[0].quantity == 1 and cleaned.total_amount == Decimal("100.00")


def test_a_check_without_nul_is_returned_as_it_is():
    check = _check("-")
    assert without_nul(check) is check
