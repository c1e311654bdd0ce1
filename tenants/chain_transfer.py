"""One chain out to a file and back: `manage.py export_chain` and `import_chain` (README, Operations).

The file is a tar archive of three members:
- `manifest.json`: the format, when and from which server version it was made;
- `schema.dump`: the chain's schema (every tenant table, rows, sequences, indexes, constraints) as `pg_dump -n
  <schema> --format=custom`, by the pg_dump of the server's own major version;
- `public.json`: the chain's public rows: the chain, its domains, its memberships, the users they and the schema's
  tables name (with their password hashes, never platform-staff rights), its subscription, payments, billing
  history and message counts.
Both are read in ONE repeatable-read snapshot (the export's transaction exports it and pg_dump runs with
`--snapshot`), so a file made while checks are being written holds a ledger that matches its balances.

Import runs in one transaction on the default connection: the chain row, the schema (pg_restore's script, the
schema's name changed when the slug is, its data loaded with COPY), user ids mapped to this server's users (matched
by email, created when missing) before the foreign keys are added, the public rows, and an audit entry in the
chain's schema. Any failure rolls all of it back: no partial chain is left. A slug, schema or domain that already
exists here is refused before anything is written, and so is a file whose schema records migrations this code does
not have (made by a newer release). pg_restore's script is streamed, never held in memory whole.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists
from psycopg import sql

from accounts.models import Membership, User
from audit.services import record_audit
from billing.models import BillingEvent, MessageUsage, Payment, Plan, Subscription
from maxloyalty.postgres_programs import postgres_connection_args, postgres_program
from tenants.errors import ChainTransferRefused
from tenants.models import Chain, Domain
from tenants.partitions import maintain_chain_partitions
from tenants.routing import forget_host
from tenants.services import chain_slug_errors
from tenants.validators import schema_name_for

M = TypeVar("M", bound=models.Model)

FORMAT = "max-loyalty-chain/1"
MANIFEST, SCHEMA_DUMP, PUBLIC_ROWS = "manifest.json", "schema.dump", "public.json"
USER_FIELDS = (
    "id",
    "email",
    "password",
    "username",
    "full_name",
    "language",
    "is_active",
    "date_joined",
    "email_confirmed_at",
    "last_login",
)


@dataclass(frozen=True)
class ImportedChain:
    chain: Chain
    users_created: int
    tables: int


# ---------------------------------------------------------------------------------------------------------- export


def export_chain(*, slug: str, output: Path) -> dict[str, Any]:
    """Write chain `slug` to `output` (a tar archive); returns its manifest."""
    chain = Chain.objects.filter(slug=slug).exclude(schema_name="public").first()
    if chain is None:
        raise ChainTransferRefused(f"There is no chain {slug!r} on this server.")
    server_major = _server_version() // 10000
    pg_dump = postgres_program("pg_dump", major=server_major)
    with tempfile.TemporaryDirectory() as scratch, _repeatable_read_snapshot() as snapshot:
        dump = Path(scratch) / SCHEMA_DUMP
        options, env = postgres_connection_args()
        argv = [pg_dump, *options, f"--snapshot={snapshot}", "--format=custom", "--no-owner", "--no-privileges"]
        argv += [f"--schema={chain.schema_name}", f"--file={dump}", str(connection.settings_dict["NAME"])]
        _run(argv, env=env)
        public = _public_rows(chain)
        manifest = {
            "format": FORMAT,
            "slug": chain.slug,
            "schema_name": chain.schema_name,
            "exported_at": timezone.now().isoformat(),
            "server_version": _server_version(),
            "pg_dump": _run([pg_dump, "--version"]).strip(),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            _add_bytes(archive, PUBLIC_ROWS, json.dumps(public, cls=DjangoJSONEncoder, indent=1).encode())
            archive.add(dump, arcname=SCHEMA_DUMP)
        partial.replace(output)  # a file at `output` is always a whole export
    return manifest


@contextmanager
def _repeatable_read_snapshot() -> Iterator[str]:
    """A read-only repeatable-read transaction on the default connection, its snapshot exported for pg_dump."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        yield str(snapshot)


def _public_rows(chain: Chain) -> dict[str, Any]:
    user_columns = _user_columns(chain.schema_name)
    memberships = list(Membership.objects.filter(chain=chain).values("user_id", "role", "is_active", "created_at"))
    user_ids = {row["user_id"] for row in memberships} | _users_named_in_schema(chain.schema_name, user_columns)
    subscription = Subscription.objects.filter(chain=chain).select_related("plan", "pending_plan").first()
    billing: dict[str, Any] = {"subscription": None, "payments": [], "events": [], "message_usage": []}
    if subscription is not None:
        billing["subscription"] = {
            **_field_values(subscription, exclude={"id", "chain", "plan", "pending_plan"}),
            "plan": subscription.plan.code,
            "pending_plan": subscription.pending_plan.code if subscription.pending_plan else None,
        }
        billing["payments"] = [
            {**_field_values(payment, exclude={"id", "subscription", "plan"}), "plan": payment.plan.code}
            for payment in Payment.objects.filter(subscription=subscription).select_related("plan").order_by("id")
        ]
        billing["events"] = [
            _field_values(event, exclude={"id", "subscription"})
            for event in BillingEvent.objects.filter(subscription=subscription).order_by("id")
        ]
    billing["message_usage"] = list(MessageUsage.objects.filter(chain=chain).values("month", "messages"))
    return {
        "chain": _field_values(chain, exclude={"id", "schema_name", "slug"}),
        "domains": list(
            Domain.objects.filter(tenant=chain).order_by("-is_primary", "id").values("domain", "is_primary")
        ),
        "users": list(User.objects.filter(id__in=user_ids).order_by("id").values(*USER_FIELDS)),
        "memberships": memberships,
        "user_columns": user_columns,
        "billing": billing,
    }


def _field_values(instance: models.Model, *, exclude: set[str]) -> dict[str, Any]:
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.name not in exclude
    }


def _user_columns(schema: str) -> list[list[str]]:
    """Every (table, column) of the chain's schema with a foreign key to the public users table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT source.relname, attribute.attname
            FROM pg_constraint fk
            JOIN pg_class source ON source.oid = fk.conrelid
            JOIN pg_namespace space ON space.oid = source.relnamespace
            JOIN pg_attribute attribute ON attribute.attrelid = fk.conrelid AND attribute.attnum = fk.conkey[1]
            WHERE fk.contype = 'f' AND space.nspname = %s AND fk.confrelid = %s::regclass
            ORDER BY 1, 2
            """,
            [schema, f"public.{User._meta.db_table}"],
        )
        return [[table, column] for table, column in cursor.fetchall()]


def _users_named_in_schema(schema: str, user_columns: list[list[str]]) -> set[int]:
    if not user_columns:
        return set()
    union = sql.SQL(" UNION ").join(
        sql.SQL("SELECT {column} FROM {table} WHERE {column} IS NOT NULL").format(
            column=sql.Identifier(column), table=sql.Identifier(schema, table)
        )
        for table, column in user_columns
    )
    with connection.connection.cursor() as cursor:  # the export's transaction (sql.Composed is psycopg's)
        cursor.execute(union)
        return {row[0] for row in cursor.fetchall()}


# ---------------------------------------------------------------------------------------------------------- import


def import_chain(*, source: Path, slug: str = "", domains: Iterable[str] = ()) -> ImportedChain:
    """Create the chain of export file `source` on this server, as `slug` (default: its own), all or nothing.

    Domains: `domains` when given (the first is primary), else the exported ones when the slug is kept, else
    `{slug}.PLATFORM_DOMAIN`. Refused (ChainTransferRefused, nothing written) when the slug, schema or a domain exists.
    """
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / SCHEMA_DUMP
        manifest, public = _read_archive(source, dump=dump)
        return _import(source=source, manifest=manifest, public=public, dump=dump, slug=slug, domains=domains)


def _import(
    *, source: Path, manifest: dict[str, Any], public: dict[str, Any], dump: Path, slug: str, domains: Iterable[str]
) -> ImportedChain:
    original_schema = manifest["schema_name"]
    slug = slug or manifest["slug"]
    schema = schema_name_for(slug)
    hosts = list(domains) or (
        [row["domain"] for row in public["domains"]]
        if slug == manifest["slug"]
        else [f"{slug}.{settings.PLATFORM_DOMAIN}"]
    )
    _refuse_existing(slug=slug, schema=schema, hosts=hosts)
    plans = _plans_for(public["billing"])
    pg_restore = _pg_restore()
    with transaction.atomic():
        chain = _create(Chain, public["chain"], slug=slug, schema_name=schema)
        for position, host in enumerate(hosts):
            Domain.objects.create(domain=host, tenant=chain, is_primary=position == 0)
        # A request to a host during the import cached "no such chain" for a while: forget it once the chain is seen.
        transaction.on_commit(partial(_forget_hosts, hosts))
        user_ids, users_created = _users(public["users"])
        tables = _restore_schema(
            pg_restore, dump, original=original_schema, schema=schema, user_ids=user_ids, public=public
        )
        for row in public["memberships"]:
            _create(Membership, {**row, "user_id": user_ids[row["user_id"]]}, chain=chain)
        _billing(public["billing"], chain=chain, plans=plans)
        with schema_context(schema):
            # The file's partitions are those of the export's months: this month and the next ones made now, and
            # rows the export kept in a default partition moved into months of their own.
            maintain_chain_partitions()
            record_audit(
                action="chain.imported",
                actor=None,
                target=chain,
                data={
                    "file": source.name,
                    "exported_slug": manifest["slug"],
                    "exported_at": manifest["exported_at"],
                    "tables": tables,
                    "users_created": users_created,
                },
            )
    return ImportedChain(chain=chain, users_created=users_created, tables=tables)


def _read_archive(source: Path, *, dump: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and the public rows; the schema's dump copied to `dump`."""
    try:
        with tarfile.open(source, "r") as archive:
            manifest, public = (json.loads(_member(archive, name).read()) for name in (MANIFEST, PUBLIC_ROWS))
            with dump.open("wb") as copy:
                shutil.copyfileobj(_member(archive, SCHEMA_DUMP), copy)
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise ChainTransferRefused(f"{source} is not a chain export: {error}") from error
    if manifest.get("format") != FORMAT:
        raise ChainTransferRefused(f"{source} is a {manifest.get('format')!r} file; this server reads {FORMAT!r}.")
    return manifest, public


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    member = archive.extractfile(name)  # KeyError when missing
    if member is None:
        raise KeyError(f"{name} is not a file")
    return member


def _forget_hosts(hosts: list[str]) -> None:
    for host in hosts:
        forget_host(host)


def _refuse_existing(*, slug: str, schema: str, hosts: list[str]) -> None:
    if errors := chain_slug_errors(slug):
        raise ChainTransferRefused(
            f"Chain {slug!r} cannot be imported here: {' '.join(errors)}", fields={"slug": errors}
        )
    if schema_exists(schema):
        raise ChainTransferRefused(f"Schema {schema!r} already exists on this server; import under another --slug.")
    if taken := list(Domain.objects.filter(domain__in=hosts).values_list("domain", flat=True)):
        raise ChainTransferRefused(f"Domain {', '.join(taken)} already belongs to a chain on this server.")


def _plans_for(billing: dict[str, Any]) -> dict[str, Plan]:
    subscription = billing["subscription"]
    codes = {payment["plan"] for payment in billing["payments"]}
    if subscription is not None:
        codes |= {subscription["plan"], subscription["pending_plan"]} - {None}
    plans = {plan.code: plan for plan in Plan.objects.filter(code__in=codes)}
    if missing := sorted(codes - plans.keys()):
        raise ChainTransferRefused(f"Plan {', '.join(missing)} of the exported chain does not exist on this server.")
    return plans


def _pg_restore() -> str:
    try:
        return postgres_program("pg_restore", major=_server_version() // 10000)
    except RuntimeError:
        return postgres_program("pg_restore")  # the newest here reads every older archive


@contextmanager
def _script(pg_restore: str, dump: Path, *sections: str) -> Iterator[Iterator[str]]:
    """pg_restore's SQL for `sections` of the dump (no server needed), line by line as it is written."""
    argv = [pg_restore, "--no-owner", "--no-privileges", "--file=-", *(f"--section={name}" for name in sections)]
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen([*argv, str(dump)], stdout=subprocess.PIPE, stderr=errors) as program:  # noqa: S603
            if program.stdout is None:
                raise RuntimeError("pg_restore without its output pipe")
            text = io.TextIOWrapper(program.stdout, encoding="utf-8", newline="\n")  # the dump's UTF8, rows as sent
            yield (line.removesuffix("\n") for line in text)
            text.read()  # what the caller did not consume
        if program.returncode != 0:
            errors.seek(0)
            raise ChainTransferRefused(f"pg_restore failed: {errors.read().decode(errors='replace').strip()}")


def _restore_schema(
    pg_restore: str,
    dump: Path,
    *,
    original: str,
    schema: str,
    user_ids: dict[int, int],
    public: dict[str, Any],
) -> int:
    """Run pg_restore's script in this transaction under `schema`: tables and rows, then user ids mapped to this
    server's users, then indexes and constraints (foreign keys check the mapped ids). Returns the tables loaded."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        (search_path,) = cursor.fetchone()
    raw = connection.connection
    with _script(pg_restore, dump, "pre-data", "data") as lines:
        tables = _run_script(raw, lines, original=original, schema=schema)
    _refuse_unknown_migrations(raw, schema)
    changed = [(old, new) for old, new in user_ids.items() if old != new]
    with raw.cursor() as cursor:
        for table, column in public["user_columns"] if changed else []:
            update = sql.SQL(
                "UPDATE {table} AS t SET {column} = m.new FROM (VALUES {pairs}) AS m(old, new) WHERE t.{column} = m.old"
            ).format(
                table=sql.Identifier(schema, table),
                column=sql.Identifier(column),
                pairs=sql.SQL(", ").join([sql.SQL("(%s::bigint, %s::bigint)")] * len(changed)),
            )
            cursor.execute(update, [number for pair in changed for number in pair])
    with _script(pg_restore, dump, "post-data") as lines:
        _run_script(raw, lines, original=original, schema=schema)
    with raw.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])  # pg_restore's script emptied it
    return tables


def _refuse_unknown_migrations(raw: Any, schema: str) -> None:
    """A file from a newer release (migrations this code does not have) is refused: upgrade this server first."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    with raw.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT app, name FROM {}").format(sql.Identifier(schema, "django_migrations")))
        unknown = sorted(f"{app}.{name}" for app, name in cursor.fetchall() if (app, name) not in known)
    if unknown:
        raise ChainTransferRefused(
            f"The file's schema has migrations this release does not know ({', '.join(unknown[:5])}): "
            "import it with the release that exported it, or a newer one."
        )


COPY_HEADER = re.compile(r"^COPY (\S+) \((.*)\) FROM stdin;$")


def _run_script(raw: Any, script: Iterator[str], *, original: str, schema: str) -> int:
    """Execute a pg_restore script: its statements as they are but for the schema's name, its COPY blocks through
    COPY FROM STDIN (their rows untouched); its settings made local to this transaction. Returns COPY blocks run."""
    qualified = re.compile(rf'(?<![\w"$]){re.escape(original)}(?=\.)')
    schema_statement = re.compile(rf"^(CREATE SCHEMA) {re.escape(original)};$")
    pending: list[str] = []
    copies = 0

    def flush(cursor: Any) -> None:
        statements = "\n".join(pending)
        pending.clear()
        if any(line.strip() and not line.startswith("--") for line in statements.splitlines()):
            cursor.execute(statements)

    lines = iter(script)
    with raw.cursor() as cursor:
        for line in lines:
            if line.startswith("\\"):  # psql's meta-commands (\restrict and \unrestrict of newer pg_restore)
                continue
            line = qualified.sub(schema, schema_statement.sub(rf"\1 {schema};", line))
            line = re.sub(r"^SET (\w+) = ", r"SET LOCAL \1 = ", line)
            line = line.replace("set_config('search_path', '', false)", "set_config('search_path', '', true)")
            if COPY_HEADER.match(line):
                flush(cursor)
                with cursor.copy(line.replace(" FROM stdin;", " FROM STDIN")) as copy:
                    chunk: list[str] = []
                    for row in lines:
                        if row == "\\.":
                            break
                        chunk.append(row + "\n")
                        if len(chunk) >= 10_000:
                            copy.write("".join(chunk))
                            chunk.clear()
                    copy.write("".join(chunk))
                copies += 1
                continue
            pending.append(line)
        flush(cursor)
    return copies


def _users(rows: list[dict[str, Any]]) -> tuple[dict[int, int], int]:
    """Exported user id → this server's user id: the user with that email, or a new one (no staff rights)."""
    ids: dict[int, int] = {}
    created = 0
    for row in rows:
        existing = User.objects.filter(email=row["email"]).first()
        if existing is None:
            existing = _create(User, {key: value for key, value in row.items() if key != "id"})
            created += 1
        ids[row["id"]] = existing.pk
    return ids, created


def _billing(billing: dict[str, Any], *, chain: Chain, plans: dict[str, Plan]) -> None:
    for row in billing["message_usage"]:
        _create(MessageUsage, row, chain=chain)
    if billing["subscription"] is None:
        return
    row = billing["subscription"]
    subscription = _create(
        Subscription,
        {key: value for key, value in row.items() if key not in {"plan", "pending_plan"}},
        chain=chain,
        plan=plans[row["plan"]],
        pending_plan=plans[row["pending_plan"]] if row["pending_plan"] else None,
    )
    for payment in billing["payments"]:
        values = {key: value for key, value in payment.items() if key != "plan"}
        _create(Payment, values, subscription=subscription, plan=plans[payment["plan"]])
    for event in billing["events"]:
        _create(BillingEvent, event, subscription=subscription)


def _model_values(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    """JSON values back to Python by the model's own fields (dates, decimals), keyed by attribute name."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return {name: fields[name].to_python(value) for name, value in row.items() if name in fields}


def _create(model: type[M], row: dict[str, Any], **related: Any) -> M:
    """Insert a row as exported: the save, then its automatic timestamps put back to the exported values."""
    values = _model_values(model, row)
    instance = model(**values, **related)
    if isinstance(instance, Chain):
        instance.auto_create_schema = False  # its schema comes from the file
    instance.save()
    automatic = {
        field.attname: values[field.attname]
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if field.attname in values
    }
    if automatic:
        model._default_manager.filter(pk=instance.pk).update(**automatic)
    return instance


# --------------------------------------------------------------------------------------------------------- helpers


def _server_version() -> int:
    """The server's version number (150020 for 15.20)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (number,) = cursor.fetchone()
    return int(number)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _run(argv: list[str], *, env: dict[str, str] | None = None) -> str:
    """Run a PostgreSQL program (argv built here from the server's own settings); its stdout, or the refusal."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ChainTransferRefused(f"{Path(argv[0]).name} failed: {done.stderr.strip()}")
    return done.stdout
