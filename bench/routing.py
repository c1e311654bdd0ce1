"""Routing benchmark: what a request costs behind host → chain routing with one chain and with 1,000
(target: routing cost flat from 1 to 1,000 chains).

Chains: the first made by tenants.services.create_chain (schema migrated, domain, owner, trial); the others copies of
its schema (pg_dump of it run under another name: tables, indexes, constraints, sequences and rows; why not
django-tenants' clone_schema: docs/benchmarks.md), each with its own chain, domain and trial. They
exist for the run only: a thousand chains kept in the database would make every later `migrate_schemas` and every
beat fan-out walk them. Leftovers of an interrupted run are dropped first.
Stack: gunicorn as in bench.webhook (BENCH_GUNICORN_WORKERS × BENCH_GUNICORN_THREADS), 16 senders on loopback.
Two requests, each in phases that alternate between every request to the first chain's host and every request to
another of the N hosts in turn (each process's in-process routing layer then holds N hosts and refreshes each from
Redis every TENANT_ROUTING_LOCAL_TTL seconds; PostgreSQL's connections switch schema nearly every request and keep N
schemas' tables in their caches); each side's figure is the median of its phases:
- the trivial JSON view: routing alone;
- a guest lookup by phone (guests.selectors.lookup_guest): routing plus one query in the chain's own tables.
Results: routing_trivial_rps against routing_trivial_rps_1_chain and routing_guest_lookup_rps against
routing_guest_lookup_rps_1_chain; "flat" is a ratio of at least 0.9 (the host drifts ±10 % between runs).
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.http_load import LoadResult, run_load
from bench.results import (
    OUT,
    append_results,
    entry,
    percentile,
    print_table,
    scale_name,
    setup_django,
)
from maxloyalty.postgres_programs import postgres_connection_args, postgres_program
from tests.process_harness import (
    delete_redis_keys,
    free_port,
    gunicorn_command,
    process_env,
    running,
    wait_until_serving,
)

CONCURRENCY = 16
SLUG_PREFIX = "benchroute"
LOOKUP_PHONE = "+79160000001"
FLAT_RATIO = 0.9

Request = tuple[str, str, dict[str, str], bytes | None]


@dataclass(frozen=True)
class Scale:
    name: str
    chains: int
    seconds: float


SCALES = {"small": Scale("small", chains=100, seconds=2), "full": Scale("full", chains=1000, seconds=6)}
ROUNDS = 3  # phases of all chains, between four of one chain


def _slug(number: int) -> str:
    return f"{SLUG_PREFIX}-{number:04d}"


def _schema_script(schema: str) -> str:
    """The schema with its rows as one SQL script (INSERTs, no psql commands), to be run with another name."""
    from django.db import connection

    connection_options, env = postgres_connection_args()
    command = [postgres_program("pg_dump", major=connection.pg_version // 10000), *connection_options]
    command += ["--schema", schema, "--no-owner", "--no-privileges", "--inserts", connection.settings_dict["NAME"]]
    dump = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))  # \restrict and the like


def run_schema_script(script: str, template: str, schemas: list[str]) -> None:
    """Create each of `schemas` from `script` (the template schema's dump), one transaction each, two connections at
    a time (the copies are PostgreSQL's work: two cores). The template's name is unique enough to be replaced as
    text."""
    import psycopg
    from django.db import connection

    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}

    def copy(share: list[str]) -> None:
        with psycopg.connect(**params, autocommit=True) as own:
            own.execute("SET synchronous_commit = off")  # a benchmark's scaffolding: no flush per copy
            for schema in share:
                with own.transaction():
                    own.execute(script.replace(template, schema).encode())

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(copy, (schemas[0::2], schemas[1::2])))


def _copy_schema(template: str, schemas: list[str]) -> None:
    """Create each of `schemas` as a copy of `template` (run_schema_script of its dump)."""
    run_schema_script(_schema_script(template), template, schemas)


def create_routing_chains(count: int) -> list[str]:
    """`count` chains, committed: one created as sign-up creates it, the rest copies of its schema; their hosts."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from billing.services import start_trial
    from guests.models import Guest
    from tenants.models import Chain, Domain
    from tenants.services import create_chain
    from tenants.validators import schema_name_for

    first, _owner = create_chain(
        name="Routing 1",
        slug=_slug(1),
        owner_email=f"owner@{SLUG_PREFIX}.test",
        owner_password=secrets.token_urlsafe(16),
    )
    with schema_context(first.schema_name):
        Guest.objects.create(phone=LOOKUP_PHONE, first_name="Route")  # every copy has the guest the lookups find
    connection.set_schema_to_public()
    numbers = range(2, count + 1)
    _copy_schema(first.schema_name, [schema_name_for(_slug(number)) for number in numbers])
    copies = Chain.objects.bulk_create(  # bulk: no schema of their own is created, the copies are theirs
        [
            Chain(
                schema_name=schema_name_for(_slug(number)),
                slug=_slug(number),
                name=f"Routing {number}",
                time_zone=first.time_zone,
                currency=first.currency,
                default_language=first.default_language,
                status=first.status,
            )
            for number in numbers
        ]
    )
    Domain.objects.bulk_create([Domain(domain=chain.host, tenant=chain, is_primary=True) for chain in copies])
    for chain in copies:
        start_trial(chain=chain)
    _settle()
    return [first.host, *(chain.host for chain in copies)]


CATALOGS_GROWN_BY_COPIES = (
    "pg_class", "pg_attribute", "pg_index", "pg_constraint", "pg_depend", "pg_type", "pg_attrdef", "pg_sequence",
    "pg_namespace", "pg_statistic",
)  # fmt: skip


def _settle() -> None:
    """Do now what the copies would have PostgreSQL do during the measured phases: autovacuum of the catalogs they
    grew (tens of thousands of new rows at full scale) and the checkpoint of their WAL. Seen without it: a phase
    at half speed some 20 s after the copies, whichever hosts it asked for."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(f'pg_catalog.{name}' for name in CATALOGS_GROWN_BY_COPIES)}")
        cursor.execute("CHECKPOINT")


def drop_routing_chains() -> None:
    """Every chain and schema of this benchmark (also the copies of a run interrupted before their chains were
    saved) and the owner."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from accounts.models import User
    from tenants.models import Chain
    from tenants.validators import schema_name_for

    def drop_schema(schema: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:  # one schema's locks per transaction
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    connection.set_schema_to_public()
    first = schema_name_for(_slug(1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{SLUG_PREFIX}\\_%"])
        schemas = {name for (name,) in cursor.fetchall()}
    for schema in sorted(schemas - {first}):  # the copies first: their rows may point at the owner
        drop_schema(schema)
    if first in schemas:
        with schema_context(first):  # deleting a user reaches tenant tables (permissions, audit)
            User.objects.filter(email=f"owner@{SLUG_PREFIX}.test").delete()
        drop_schema(first)
    connection.set_schema_to_public()
    Chain.objects.filter(slug__startswith=f"{SLUG_PREFIX}-").delete()  # domains and trials with them


@contextmanager
def routing_chains(count: int) -> Iterator[list[str]]:
    """The hosts of `count` chains made for the run, dropped after it."""
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    drop_routing_chains()
    try:
        yield create_routing_chains(count)
    finally:
        drop_routing_chains()


def _requests(path: str, hosts: list[str]) -> Callable[[int, int], Request]:
    """Sender s's request n goes to host (s + 16 n) mod N: every host in turn, the senders spread over them."""
    headers = [{"Host": host} for host in hosts]
    count = len(headers)
    return lambda sender, number: ("GET", path, headers[(sender + CONCURRENCY * number) % count], None)


@dataclass(frozen=True)
class Measured:
    one_chain: float
    all_chains: float
    one_chain_p99: float
    all_chains_p99: float

    @property
    def ratio(self) -> float:
        return self.all_chains / self.one_chain if self.one_chain else 0.0


def _measure(port: int, path: str, hosts: list[str], seconds: float) -> Measured:
    """Phases of one chain and of all N in turn, alternated (1, N, 1, N, 1, N, 1); each side's figure is the median
    of its phases: a phase draws anew how the senders' keep-alive connections fall on the gunicorn processes, which
    moves a single phase by up to a third."""

    def load(targets: list[str], length: float) -> LoadResult:
        result = run_load(port=port, make_request=_requests(path, targets), concurrency=CONCURRENCY, seconds=length)
        if result.errors or set(result.statuses) != {200}:
            raise RuntimeError(f"{path} did not answer 200 every time: {result.statuses}, {result.errors} errors")
        return result

    load(hosts, max(2.0, seconds / 2))  # warm: every host routed once (connections' caches only in part)
    one: list[LoadResult] = []
    spread: list[LoadResult] = []
    for _ in range(ROUNDS):
        one.append(load(hosts[:1], seconds))
        spread.append(load(hosts, seconds))
    one.append(load(hosts[:1], seconds))
    return Measured(
        one_chain=statistics.median(result.per_second for result in one),
        all_chains=statistics.median(result.per_second for result in spread),
        one_chain_p99=percentile([ms for result in one for ms in result.latencies_ms], 0.99),
        all_chains_p99=percentile([ms for result in spread for ms in result.latencies_ms], 0.99),
    )


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.db import connection

    scale = SCALES[scale_name(requested_scale)]
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    began = time.monotonic()
    with routing_chains(scale.chains) as hosts:
        created_in = time.monotonic() - began
        port = free_port()
        tag = f"benchroute{os.getpid()}"
        env = process_env(database_name=connection.settings_dict["NAME"], queue=f"pos-{tag}", cache_prefix=tag)
        env["ROOT_URLCONF"] = "bench.urls"
        command = gunicorn_command(port=port, workers=workers, threads=threads)
        try:
            with running(command, env=env, log=OUT / "routing-gunicorn.log"):
                wait_until_serving(f"http://127.0.0.1:{port}", hosts[0])
                trivial = _measure(port, "/bench/trivial", hosts, scale.seconds)
                lookup = _measure(port, f"/bench/guest-lookup?phone={LOOKUP_PHONE}", hosts, scale.seconds)
        finally:
            delete_redis_keys(tag)  # the served hosts' routing entries

    count = len(hosts)
    measurements = (
        ("routing_trivial_rps", "trivial JSON view (routing alone)", trivial),
        ("routing_guest_lookup_rps", "guest lookup by phone", lookup),
    )
    results = [
        entry(
            name,
            measured.all_chains,
            "req/s",
            baseline=f"{name}_1_chain",
            baseline_value=measured.one_chain,
            scale=scale.name,
        )
        for name, _label, measured in measurements
    ]
    rows = [
        (
            label,
            f"{measured.one_chain:,.0f} req/s",
            f"{measured.all_chains:,.0f} req/s",
            f"{measured.one_chain_p99:.1f} / {measured.all_chains_p99:.1f} ms",
            f"{measured.ratio:.2f}",
        )
        for _name, label, measured in measurements
    ]
    print_table(
        f"Routing ({scale.name}: {count:,} chains, made in {created_in:.0f} s; medians of {ROUNDS + 1} and {ROUNDS} "
        f"alternating phases of {scale.seconds:.0f} s, {CONCURRENCY} senders, gunicorn {workers} gthread workers × {threads} threads); target ratio ≥ {FLAT_RATIO}",
        rows,
        header=("request", "1 chain", f"{count:,} chains in turn", "p99 1 / all", "ratio"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
