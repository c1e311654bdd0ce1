"""Guest search over a queryset, shared by every door (guests.selectors.search_guests for the till and the quick
search, the guest list's `q` filter for the list page, the API and the export): which guests a query matches
(guests.conditions.search_condition) and how they rank.

Ranking: names by pg_trgm's strict word similarity to the query (a typo or the other alphabet ranks below the exact
spelling), then recent activity (last visit, guests who never came last), then the newest. Where the server lacks
pg_trgm (the embedded PostgreSQL of `make run`), names match by words' beginnings and rank by activity only.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramStrictWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, OrderBy, QuerySet, Value

from guests.conditions import name_words, search_condition
from guests.models import Guest
from maxloyalty.db.extensions import extension_installed

# The strict word similarity a name's word needs to match a query's word: the connection sets pg_trgm's
# strict_word_similarity_threshold to settings.GUEST_SEARCH_SIMILARITY (maxloyalty.settings.base), which the
# index-backed operator reads. 0.25 lets one swapped pair of letters in a six-letter name through ("Ivnaov").

_has_trigrams: dict[str, bool] = {}


def trigram_search_available() -> bool:
    """Whether the database has pg_trgm (asked once per process and database)."""
    name = str(connection.settings_dict["NAME"])
    if name not in _has_trigrams:
        _has_trigrams[name] = extension_installed(connection, "pg_trgm")
    return _has_trigrams[name]


def matching_guests(guests: QuerySet[Guest], query: str, *, whole_identifiers_only: bool) -> QuerySet[Guest]:
    """The guests of `guests` that `query` finds, annotated with search_rank (0 for queries that are no name)."""
    fuzzy = trigram_search_available()
    condition = search_condition(query, whole_identifiers_only=whole_identifiers_only, fuzzy=fuzzy)
    found = guests.filter(condition)
    words = name_words(query)
    if words and fuzzy:
        return found.annotate(search_rank=TrigramStrictWordSimilarity(" ".join(words), "search_name"))
    return found.annotate(search_rank=Value(0.0, output_field=FloatField()))


def search_order() -> tuple[str | OrderBy, ...]:
    """The order of search results (needs matching_guests' search_rank)."""
    return ("-search_rank", F("last_visit_at").desc(nulls_last=True), "-id")
