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
    "щ": "sch",  # one edit from both "shch" (the passport's) and "sh" (what people type): either finds it
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


# Typo tolerance by "symmetric deletion" (the idea of SymSpell): a word and a typed word within one edit of each
# other (a letter wrong, missing, added, or two neighbours swapped) share a key when both are stored with every
# spelling one letter shorter: "ivanov" and "ivnaov" both give "ivnov". A word's beginning matches through its
# prefix keys ("smirn*"). Keys are exact strings, so a plain GIN index on the array finds the few guests that share
# one (pg_trgm's similarity would have to recheck every name sharing two trigrams: most "-ova" at 1M guests).
TYPO_WORD_LENGTH = 4  # shorter words are matched whole or as a beginning: one edit would make them anything
PREFIX_LENGTH = 2  # the shortest beginning of a word that finds it
PREFIX_MARK = "*"
MOST_KEYS = 300


def _deletions(word: str) -> set[str]:
    return {word[:at] + word[at + 1 :] for at in range(len(word))} if len(word) >= TYPO_WORD_LENGTH else set()


def search_keys_of(search_name: str) -> list[str]:
    """What Guest.search_keys holds for a search_name: each word, its spellings one letter shorter, its beginnings."""
    keys: set[str] = set()
    for word in search_name.split():
        keys.add(word)
        keys |= _deletions(word)
        keys |= {word[:length] + PREFIX_MARK for length in range(PREFIX_LENGTH, len(word))}
    return sorted(keys)[:MOST_KEYS]


def query_keys(word: str) -> list[str]:
    """The keys a typed word (in search_text spelling) finds a name's word by: the word whole or a word it begins,
    and the words one edit away. [] for a word too short to look up by keys."""
    if len(word) < PREFIX_LENGTH:
        return []
    return sorted({word, word + PREFIX_MARK} | _deletions(word))
