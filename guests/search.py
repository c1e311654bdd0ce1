"""Guest search over a queryset, shared by every door (guests.selectors.search_guests for the till and the quick
search, the guest list's `q` filter for the list page, the API and the export): which guests a query matches
(guests.conditions.search_condition) and how they rank.

Matching names needs no extension (guests.search_text's keys and a GIN index on them). Ranking: names by pg_trgm's
strict word similarity to the query (a typo ranks below the exact spelling), computed only for the few guests the
keys found; then recent activity (last visit, guests who never came last), then the newest. Where the server lacks
pg_trgm (the embedded PostgreSQL of `make run`), names rank by activity only, and phone fragments and notes are
read without an index.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramStrictWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, OrderBy, QuerySet, Value

from guests.conditions import name_words, search_condition
from guests.models import Guest
from maxloyalty.db.extensions import extension_installed

_has_trigrams: dict[str, bool] = {}


def trigram_search_available() -> bool:
    """Whether the database has pg_trgm (asked once per process and database)."""
    name = str(connection.settings_dict["NAME"])
    if name not in _has_trigrams:
        _has_trigrams[name] = extension_installed(connection, "pg_trgm")
    return _has_trigrams[name]


def matching_guests(guests: QuerySet[Guest], query: str, *, whole_identifiers_only: bool) -> QuerySet[Guest]:
    """The guests of `guests` that `query` finds, best first (rank, then RECENT_FIRST), annotated with search_rank (0 for
    queries that are no name)."""
    # The keys are for the index only: not read back (an array of some twenty strings per guest).
    found = guests.filter(search_condition(query, whole_identifiers_only=whole_identifiers_only)).defer("search_keys")
    words = name_words(query)
    if words and trigram_search_available():
        ranked = found.annotate(search_rank=TrigramStrictWordSimilarity(" ".join(words), "search_name"))
        return ranked.order_by("-search_rank", *RECENT_FIRST)
    return found.annotate(search_rank=Value(0.0, output_field=FloatField())).order_by(*RECENT_FIRST)


# Recent activity first (guests never seen last), the tie-break of equally close names.
RECENT_FIRST: tuple[OrderBy | str, ...] = (F("last_visit_at").desc(nulls_last=True), "-id")
