"""Guest search benchmark: a name typed with a typo, through the selector every door uses, beside the bare SQL of the
same search, over 1,000,000 guests (10,000 at BENCH_SCALE=small) with realistic Russian and English names.

Reuses the `benchcore` chain and its seeding (bench.loyalty_core, names from bench.names, search_name filled by the
seed as Guest.save() would); guests seeded before names were realistic ("GuestN Bench") are renamed here once.
Before measuring, VACUUM ANALYZE, as autovacuum would after such a load (statistics; GIN pending lists merged).
Measured one search at a time, selector and SQL interleaved (bench.loyalty_core.measure_pairs):
- guest_search: guests.selectors.search_guests(access=owner, query=…)[:25] (query parsing, transliteration,
  the trigram condition, ranking, the loyalty figures' join);
- sql_trigram_search: the same WHERE and ORDER BY written by hand, the guest columns only.
Queries: a seeded surname with two neighbouring letters swapped ("Ivnaov"), in the alphabet it was seeded in or
transliterated, sometimes with a first name. Targets: p99 < 50 ms and ≤ 2× the bare SQL.
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.loyalty_core import SCALES, Scale, bench_chain, ensure_seeded, measure_pairs
from bench.results import append_results, entry, percentile, print_table, scale_name, setup_django

RENAME_BATCH = 20_000
RESULTS_SHOWN = 25

# The selector's WHERE and ORDER BY for a name query (guests.conditions.search_condition, guests.search), by hand:
# each word shares a key with the name (whole, a beginning, one edit away: guests.search_text), a single letter
# begins a word; or the staff's note contains the text; or the email begins with it.
SEARCH_SQL = """
SELECT id, first_name, last_name, phone, card_number, last_visit_at
FROM guests_guest
WHERE status <> 'erased' AND (({names}) OR upper(note) LIKE upper(%s) OR email LIKE %s)
ORDER BY strict_word_similarity(%s, search_name) DESC, last_visit_at DESC NULLS LAST, id DESC
LIMIT 25
"""


def bare_search(text: str) -> tuple[str, list[Any]]:
    """SEARCH_SQL for a name query and its parameters."""
    from guests.conditions import name_words
    from guests.search_text import query_keys

    words = name_words(text)
    names: list[str] = []
    parameters: list[Any] = []
    for word in words:
        keys = query_keys(word)
        if keys:
            names.append("search_keys && %s::text[]")
            parameters.append(keys)
        else:
            names.append("(search_name LIKE %s OR search_name LIKE %s)")
            parameters += [f"{word}%", f"% {word}%"]
    sql = SEARCH_SQL.format(names=" AND ".join(names))
    return sql, [*parameters, f"%{text}%", f"{text.lower()}%", " ".join(words)]


def ensure_search_columns() -> int:
    """Give guests seeded before the seed had realistic names ("GuestN Bench") their bench.names name (by their
    phone's number), and every guest whose search keys are missing its search_name and keys; returns how many
    guests were changed."""
    from django.db import connection, transaction

    from bench.names import guest_name
    from guests.search_text import search_keys_of, search_name_of

    changed, last_id = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, phone, first_name, last_name FROM guests_guest"
                " WHERE id > %s AND (last_name = 'Bench' OR (cardinality(search_keys) = 0 AND first_name <> ''))"
                " ORDER BY id LIMIT %s",
                [last_id, RENAME_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return changed
            names = [guest_name(int(phone[5:])) if last == "Bench" else (first, last) for _, phone, first, last in rows]
            search_names = [search_name_of(first, last) for first, last in names]
            with transaction.atomic():
                cursor.execute(
                    "UPDATE guests_guest AS guest SET first_name = batch.first_name, last_name = batch.last_name,"
                    " search_name = batch.search_name, search_keys = string_to_array(batch.search_keys, ' ')"
                    " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])"
                    " AS batch(id, first_name, last_name, search_name, search_keys) WHERE guest.id = batch.id",
                    [
                        [row[0] for row in rows],
                        [first for first, _ in names],
                        [last for _, last in names],
                        search_names,
                        [" ".join(search_keys_of(name)) for name in search_names],
                    ],
                )
            changed += len(rows)
            last_id = rows[-1][0]
            print(f"  search columns filled for {changed:,} guests", flush=True)


def _typo(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, away from the first letter (what a hurried hand types)."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def search_queries(count: int, rng: random.Random) -> list[str]:
    from bench.names import guest_name
    from guests.search_text import search_text

    queries = []
    for _ in range(count):
        first, last = guest_name(rng.randrange(1_000_000))
        surname = last if rng.random() < 0.5 else search_text(last).capitalize()  # as seeded, or transliterated
        query = _typo(surname, rng)
        queries.append(f"{first} {query}" if rng.random() < 0.25 else query)
    return queries


def _owner_access(chain: Any) -> Any:
    from accounts.access import resolve_access
    from accounts.models import Membership, Role

    membership = Membership.objects.filter(chain_id=chain.id, role=Role.OWNER).select_related("user").first()
    return resolve_access(membership.user, chain.id)


def measure_search(scale: Scale, chain: Any, rng: random.Random) -> tuple[list[float], list[float], float]:
    from django.db import connection

    from guests.selectors import search_guests

    access = _owner_access(chain)
    iterations = max(scale.iterations // 2, 300)
    queries = search_queries(iterations + 200, rng)
    found: list[int] = []

    def service(number: int) -> object:
        guests = list(search_guests(access=access, query=queries[number])[:RESULTS_SHOWN])
        found.append(len(guests))
        return guests

    def baseline(number: int) -> object:
        sql, parameters = bare_search(queries[number])
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()

    service_ms, baseline_ms = measure_pairs(iterations, service, baseline, warmup=100)
    return service_ms, baseline_ms, sum(found) / len(found)


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from guests.search import trigram_search_available

    scale = SCALES[scale_name(requested_scale)]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    chain = bench_chain()
    call_command("migrate_schemas", schema_name=chain.schema_name, interactive=False, verbosity=0)  # a reused chain
    rng = random.Random(2025)
    with schema_context(chain.schema_name):
        guests, _entries = ensure_seeded(scale)
        began = time.monotonic()
        changed = ensure_search_columns()
        if changed:
            print(f"Search columns filled for {changed:,} guests in {time.monotonic() - began:.0f} s")
        if not trigram_search_available():
            raise SystemExit("guest_search: this PostgreSQL has no pg_trgm; the search runs without its index here")
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load: statistics, and the GIN indexes' pending lists merged (a
            # search would otherwise read the whole list of rows added since: tens of milliseconds).
            cursor.execute("VACUUM ANALYZE guests_guest")
        service_ms, sql_ms, average_found = measure_search(scale, chain, rng)
    connection.set_schema_to_public()

    p50, p99 = percentile(service_ms, 0.5), percentile(service_ms, 0.99)
    sql50, sql99 = percentile(sql_ms, 0.5), percentile(sql_ms, 0.99)
    print_table(
        f"Guest search ({scale.name}: {guests:,} guests, {len(service_ms):,} searches of a misspelt name, "
        f"{average_found:.1f} guests found on average), milliseconds",
        [
            [
                "name with a typo (target p99 < 50, ≤ 2× SQL)",
                f"{p50:.2f}",
                f"{p99:.2f}",
                f"{sql50:.2f}",
                f"{sql99:.2f}",
                f"{p99 / sql99:.2f}×",
            ]
        ],
        header=["search", "p50", "p99", "SQL p50", "SQL p99", "p99 ratio"],
    )
    results = [
        entry(
            "guest_search_p99_ms",
            p99,
            "ms",
            baseline="sql_trigram_search_p99_ms",
            baseline_value=sql99,
            scale=scale.name,
        ),
        entry(
            "guest_search_p50_ms",
            p50,
            "ms",
            baseline="sql_trigram_search_p50_ms",
            baseline_value=sql50,
            scale=scale.name,
        ),
    ]
    append_results(results)
    return results


if __name__ == "__main__":
    run()
