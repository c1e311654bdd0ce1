"""Reading a whole number that a person typed or a link carried (a page number, an id in a deep link or a button's
data): ASCII digits only and at most `maximum`, else the default. `str.isdigit()` alone lets through "²" and
"١٢٣" (int() refuses the first) and 5,000-digit strings (int() refuses them, and a large id overflows the
database's bigint), each a 500 where the visitor should get the first page."""

from __future__ import annotations

from typing import TypeVar

MAX_ID = 2**63 - 1  # PostgreSQL's bigint, the widest id column
Default = TypeVar("Default", int, None)


def whole_number(raw: object, *, default: Default, maximum: int = MAX_ID) -> int | Default:
    text = str(raw) if raw is not None else ""
    if text.isascii() and text.isdigit() and len(text) <= len(str(maximum)):
        value = int(text)
        if value <= maximum:
            return value
    return default
