"""The one spelling a guest's name is searched in (Guest.search_name) and a search box query is compared in.

Lowercase Latin letters and digits, words separated by one space: Cyrillic is transliterated (a practical
Russian/Ukrainian/Belarusian table close to the passport's ICAO rules: "Щукина" → "shchukina"), accents are dropped
("Müller" → "muller", "Ёлкин" → "elkin"), everything else becomes a word break. So "Иванов" and "Ivanov" meet in
"ivanov", and the trigram similarity between two spellings (guests.search) tolerates typos and the spellings
transliteration leaves open ("Yuriy"/"Yurii"). Pure: done in Python for the stored column and the query alike, so
PostgreSQL's `unaccent` extension is not needed (the embedded server has none).
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "u",
}
_TRANSLITERATION = str.maketrans(_CYRILLIC)
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
# Longer than any name a person types; the column is bounded so its index stays small.
SEARCH_NAME_LENGTH = 200


def search_text(text: str) -> str:
    """Lowercase, transliterated to Latin, without accents, words of letters and digits separated by one space."""
    lowered = (text or "").lower().translate(_TRANSLITERATION)
    decomposed = unicodedata.normalize("NFKD", lowered)
    latin = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_A_WORD.sub(" ", latin.replace("ß", "ss")).strip()


def search_name_of(first_name: str, last_name: str) -> str:
    """What Guest.search_name holds for these names."""
    return search_text(f"{first_name} {last_name}")[:SEARCH_NAME_LENGTH].strip()
