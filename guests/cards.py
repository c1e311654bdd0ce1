"""Loyalty card numbers: 12 digits, the last one a Luhn check digit, so a mistyped digit is caught at the till."""

from __future__ import annotations

import secrets

CARD_NUMBER_LENGTH = 12


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit counting from the check digit's left neighbour
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def has_valid_check_digit(card_number: str) -> bool:
    return card_number.isdigit() and len(card_number) > 1 and luhn_check_digit(card_number[:-1]) == card_number[-1]


def random_card_number() -> str:
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(CARD_NUMBER_LENGTH - 2))
    return body + luhn_check_digit(body)
