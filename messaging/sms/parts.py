"""What an SMS text costs: its encoding (GSM-7 or UCS-2), its length as the network counts it, and its parts.

The rules (3GPP TS 23.038 and 23.040), as the owner sees them before sending:
1. A text made only of the GSM 03.38 basic set is sent in GSM-7: 160 septets fit one part; a longer text is split
   into parts of 153 (the user data header takes the other 7). Characters of the extension table
   (`^ { } \\ [ ~ ] | €` and form feed) are an escape plus a septet: they count twice.
2. Any other character (Cyrillic, most emoji, curly quotes) makes the whole text UCS-2: 70 UTF-16 code units in one
   part, 67 per part when split. A character outside the Basic Multilingual Plane (an emoji) is two code units.
3. A part never ends in the middle of a character: an escaped GSM-7 character or a surrogate pair that does not fit
   at the end of a part moves whole to the next one, so a text can need one part more than its length divided by
   153 (or 67).
4. The empty text costs nothing: 0 parts.
Line breaks count as sent: a browser's textarea posts `\\r\\n`, two characters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# GSM 03.38 default alphabet, in table order (0x00-0x7F); 0x1B is the escape to the extension table, not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE_PART = 160
GSM7_PER_PART = 153
UCS2_SINGLE_PART = 70
UCS2_PER_PART = 67


class SmsEncoding(enum.StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SmsParts:
    """`characters` is the length as the network counts it: septets for GSM-7, UTF-16 code units for UCS-2."""

    encoding: SmsEncoding
    characters: int
    parts: int


def count_parts(text: str) -> SmsParts:
    """The encoding, counted length and number of parts of `text` (rules in the module docstring)."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        widths = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return _packed(SmsEncoding.GSM7, widths, GSM7_SINGLE_PART, GSM7_PER_PART)
    widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _packed(SmsEncoding.UCS2, widths, UCS2_SINGLE_PART, UCS2_PER_PART)


def _packed(encoding: SmsEncoding, widths: list[int], single_part: int, per_part: int) -> SmsParts:
    length = sum(widths)
    if length == 0:
        return SmsParts(encoding, 0, 0)
    if length <= single_part:
        return SmsParts(encoding, length, 1)
    parts, room = 1, per_part
    for width in widths:  # rule 3: a character that does not fit whole opens the next part
        if width > room:
            parts, room = parts + 1, per_part
        room -= width
    return SmsParts(encoding, length, parts)
