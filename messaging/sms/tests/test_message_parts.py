"""How many parts a text costs: GSM-7 160/153 with extension characters counted twice, UCS-2 70/67 in UTF-16
code units, and no character split between two parts."""

from __future__ import annotations

import pytest

from messaging.sms.parts import GSM7_BASIC, GSM7_EXTENSION, SmsEncoding, SmsParts, count_parts

GSM = SmsEncoding.GSM7
UCS = SmsEncoding.UCS2
EMOJI = "\N{GRINNING FACE}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsParts(GSM, 0, 0)),
        ("a", SmsParts(GSM, 1, 1)),
        ("a" * 160, SmsParts(GSM, 160, 1)),
        ("a" * 161, SmsParts(GSM, 161, 2)),
        ("a" * 306, SmsParts(GSM, 306, 2)),
        ("a" * 307, SmsParts(GSM, 307, 3)),
        ("a" * 459, SmsParts(GSM, 459, 3)),
        ("a" * 460, SmsParts(GSM, 460, 4)),
    ],
    ids=["empty", "one", "160", "161", "306", "307", "459", "460"],
)
def test_gsm7_text_fits_160_in_one_part_and_153_per_part_when_split(text: str, expected: SmsParts) -> None:
    assert count_parts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("€", SmsParts(GSM, 2, 1)),
        ("a" * 158 + "€", SmsParts(GSM, 160, 1)),
        ("a" * 159 + "€", SmsParts(GSM, 161, 2)),
        ("a" * 159 + "{", SmsParts(GSM, 161, 2)),
        ("[" * 80, SmsParts(GSM, 160, 1)),
        ("]" * 81, SmsParts(GSM, 162, 2)),
    ],
    ids=["euro", "158+euro", "159+euro", "159+brace", "80 brackets", "81 brackets"],
)
def test_extension_characters_count_twice(text: str, expected: SmsParts) -> None:
    assert count_parts(text) == expected


def test_an_extension_character_is_never_split_between_two_parts() -> None:
    # 306 septets would fill two parts of 153 exactly, but the euro sign would straddle the first boundary.
    text = "a" * 152 + "€" + "a" * 152

    assert count_parts(text) == SmsParts(GSM, 306, 3)


def test_an_extension_character_that_ends_a_part_exactly_stays_in_it() -> None:
    text = "a" * 151 + "€" + "a" * 153

    assert count_parts(text) == SmsParts(GSM, 306, 2)


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_each_extension_character_costs_two_septets(char: str) -> None:
    assert count_parts(char) == SmsParts(GSM, 2, 1)


def test_every_basic_set_character_keeps_a_text_in_gsm7() -> None:
    text = "".join(sorted(GSM7_BASIC))

    assert count_parts(text) == SmsParts(GSM, 127, 1)  # 128 codes but 0x1B, the escape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Привет", SmsParts(UCS, 6, 1)),
        ("я" * 70, SmsParts(UCS, 70, 1)),
        ("я" * 71, SmsParts(UCS, 71, 2)),
        ("я" * 134, SmsParts(UCS, 134, 2)),
        ("я" * 135, SmsParts(UCS, 135, 3)),
        ("я" * 201, SmsParts(UCS, 201, 3)),
        ("я" * 202, SmsParts(UCS, 202, 4)),
    ],
    ids=["word", "70", "71", "134", "135", "201", "202"],
)
def test_cyrillic_text_fits_70_in_one_part_and_67_per_part_when_split(text: str, expected: SmsParts) -> None:
    assert count_parts(text) == expected


def test_one_character_outside_gsm7_makes_the_whole_text_ucs2() -> None:
    text = "a" * 69 + "ж"

    assert count_parts(text) == SmsParts(UCS, 70, 1)
    assert count_parts(text + "a") == SmsParts(UCS, 71, 2)


@pytest.mark.parametrize("char", ["’", "—", "«", "ç", "№"])
def test_typographic_characters_outside_gsm7_cost_ucs2(char: str) -> None:
    assert count_parts("Hello " + char).encoding == UCS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EMOJI, SmsParts(UCS, 2, 1)),
        (EMOJI * 35, SmsParts(UCS, 70, 1)),
        (EMOJI * 35 + "a", SmsParts(UCS, 71, 2)),
        ("я" * 69 + EMOJI, SmsParts(UCS, 71, 2)),
    ],
    ids=["one emoji", "35 emoji", "35 emoji+1", "69+emoji"],
)
def test_an_emoji_counts_as_two_code_units(text: str, expected: SmsParts) -> None:
    assert count_parts(text) == expected


def test_an_emoji_is_never_split_between_two_parts() -> None:
    # 134 code units would fill two parts of 67 exactly, but the emoji's surrogate pair would straddle the boundary.
    text = "я" * 66 + EMOJI + "я" * 66

    assert count_parts(text) == SmsParts(UCS, 134, 3)


def test_line_breaks_count_as_sent() -> None:
    assert count_parts("a\r\nb") == SmsParts(GSM, 4, 1)
    assert count_parts("a" * 79 + "\r\n" + "a" * 79) == SmsParts(GSM, 160, 1)
    assert count_parts("a" * 80 + "\r\n" + "a" * 79) == SmsParts(GSM, 161, 2)
