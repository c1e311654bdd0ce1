"""A chain exported to a file and imported back has every row and balance; an export made under writes is
consistent; an import never overwrites a chain and never leaves half of one (tenants.chain_transfer).

pg_dump reads only committed rows, so these tests commit theirs (no `db` fixture, whose transaction is rolled back)
and delete the chains and users they made at the end.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django_tenants.utils import schema_context, schema_exists
from guardian.models import UserObjectPermission

from accounts.models import Membership, User
from audit.models import AuditEntry
from audit.services import record_audit
from billing.models import Subscription
from guests.models import Guest
from loyalty.models import LedgerEntry, PointsAccount
from tenants import chain_transfer
from tenants.models import Chain, Domain
from tenants.routing import chain_for_host
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import ChainWorld, _build_world

pytestmark = pytest.mark.processes  # pg_dump and pg_restore; committed rows: with the tests that run last

SLUG = "xfer-source"


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Database access outside a test transaction; the chains and users made here are deleted afterwards."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield
        connection.set_schema_to_public()
        for chain in Chain.objects.filter(slug__startswith="xfer-"):
            chain.delete(force_drop=True)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", ["%@xfer-%"])


@pytest.fixture
def source(committed: None) -> ChainWorld:
    """A chain with guests, accruals and a redemption, all committed through the production write paths."""
    world = _build_world(SLUG, "Transfer")
    with schema_context(world.chain.schema_name):
        guests = [register_guest() for _ in range(3)]
        send_checks(world, [CheckSpec(total_amount="1200.00", guest=guest) for guest in guests])
        send_checks(world, [CheckSpec(total_amount="800.00", guest=guests[0], points_to_spend=10)])
        send_checks(world, [CheckSpec(total_amount="300.00")])  # no guest
    connection.set_schema_to_public()
    return world


def table_counts(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        # Tables and partitioned tables, not their month partitions (counted with their table).
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind IN ('r', 'p') "
            "AND NOT relispartition ORDER BY 1",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608  names from the catalog
            counts[table] = cursor.fetchone()[0]
    return counts


def balances(schema: str) -> dict[str, tuple[int, int, int, int]]:
    """Each guest's phone → (available, sum of settled entries, pending, sum of pending entries)."""
    with schema_context(schema):
        accounts = PointsAccount.objects.select_related("guest").annotate(
            settled=Coalesce(
                Sum("guest__ledger_entries__points", filter=Q(guest__ledger_entries__is_pending=False)), 0
            ),
            waiting=Coalesce(Sum("guest__ledger_entries__points", filter=Q(guest__ledger_entries__is_pending=True)), 0),
        )
        return {
            account.guest.phone: (account.available, account.settled, account.pending, account.waiting)
            for account in accounts
        }


def memberships(chain: Chain) -> dict[str, tuple[str, bool]]:
    return {row.user.email: (row.role, row.is_active) for row in Membership.objects.filter(chain=chain)}


def test_exported_chain_dropped_and_imported_has_every_row_and_balance(
    source: ChainWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = source.chain.schema_name
    cashier_email = source.user("cashier").email
    before = {
        "counts": table_counts(schema),
        "balances": balances(schema),
        "memberships": memberships(source.chain),
        "subscription": Subscription.objects.filter(chain=source.chain).values("state", "plan__code").get(),
    }
    with schema_context(schema):
        cashier_permissions = UserObjectPermission.objects.filter(user=source.user("cashier")).count()
    assert before["counts"]["loyalty_ledgerentry"] >= 5
    assert cashier_permissions == 1
    file = tmp_path / "chain.tar"
    call_command("export_chain", SLUG, output=file)

    source.chain.delete(force_drop=True)  # the chain is lost: schema and public rows
    with connection.cursor() as cursor:  # and its cashier, who worked nowhere else (gets a new id on import)
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", [cashier_email])
    assert not schema_exists(schema)
    seen_during_import = []

    def audit_after_a_request_meanwhile(**kwargs: Any) -> AuditEntry:
        # A POS pushes to the chain's host while the import is not committed yet: its host is cached as unknown.
        def request() -> None:
            seen_during_import.append(chain_for_host(source.chain.host))
            connections.close_all()

        pushing = threading.Thread(target=request)
        pushing.start()
        pushing.join()
        return record_audit(**kwargs)

    monkeypatch.setattr(chain_transfer, "record_audit", audit_after_a_request_meanwhile)
    call_command("import_chain", str(file))

    chain = Chain.objects.get(slug=SLUG)
    after_counts = table_counts(schema)
    assert after_counts.pop("audit_auditentry") == before["counts"].pop("audit_auditentry") + 1
    assert after_counts == before["counts"]
    assert balances(schema) == before["balances"]
    assert all(
        available == settled and pending == waiting
        for available, settled, pending, waiting in balances(schema).values()
    )
    assert memberships(chain) == before["memberships"]
    assert Subscription.objects.filter(chain=chain).values("state", "plan__code").get() == before["subscription"]
    assert list(Domain.objects.filter(tenant=chain).values_list("domain", flat=True)) == [source.chain.host]
    assert seen_during_import == [None]
    assert chain_for_host(source.chain.host).slug == SLUG  # and routes once the import is committed
    new_cashier = User.objects.get(email=cashier_email)
    assert new_cashier.pk != source.user("cashier").pk
    assert new_cashier.check_password("correct-horse-battery-9")
    with schema_context(schema):
        assert UserObjectPermission.objects.filter(user=new_cashier).count() == cashier_permissions
        imported = AuditEntry.objects.get(action="chain.imported")
    assert imported.actor_label == "system"
    assert imported.data["exported_slug"] == SLUG


def test_export_while_checks_are_written_is_consistent(source: ChainWorld, tmp_path: Path) -> None:
    with schema_context(source.chain.schema_name):
        guest_rows = list(Guest.objects.filter(points_account__isnull=False))
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def write_checks() -> None:
        try:
            with schema_context(source.chain.schema_name):
                while not stop.is_set():
                    guest = random.choice(guest_rows)
                    spend = random.choice([0, 0, 5])
                    send_checks(source, [CheckSpec(total_amount="250.00", guest=guest, points_to_spend=spend)])
                    written.append(1)
        except BaseException as failure:
            failures.append(failure)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write_checks)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while len(written) < 3 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(written) >= 3, failures
        call_command("export_chain", SLUG, output=tmp_path / "busy.tar")
    finally:
        stop.set()
        writer.join()
    assert not failures

    call_command("import_chain", str(tmp_path / "busy.tar"), slug="xfer-copy")  # beside its source: renamed

    copy = balances("xfer_copy")
    assert copy, "the copy has its guests"
    assert all(available == settled and pending == waiting for available, settled, pending, waiting in copy.values())
    with schema_context("xfer_copy"):
        copied_entries = LedgerEntry.objects.count()
    with schema_context(source.chain.schema_name):
        assert copied_entries <= LedgerEntry.objects.count()
    assert Domain.objects.get(tenant__slug="xfer-copy").domain.startswith("xfer-copy.")


@pytest.fixture
def alpha_file(committed: None, worlds: dict[str, ChainWorld], tmp_path: Path) -> Path:
    """The session's chain alpha exported (read-only: it stays as it is)."""
    file = tmp_path / "alpha.tar"
    call_command("export_chain", "alpha", output=file)
    return file


def public_rows() -> tuple[int, int, int, int]:
    return Chain.objects.count(), Domain.objects.count(), Membership.objects.count(), User.objects.count()


def test_import_refuses_an_existing_slug_and_writes_nothing(alpha_file: Path) -> None:
    before = public_rows()

    with pytest.raises(CommandError, match="'alpha' cannot be imported here"):
        call_command("import_chain", str(alpha_file))

    assert public_rows() == before


def test_import_failing_at_its_last_step_leaves_no_chain(alpha_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = public_rows()

    def audit_fails(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(chain_transfer, "record_audit", audit_fails)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("import_chain", str(alpha_file), slug="xfer-half")

    assert public_rows() == before
    assert not Chain.objects.filter(slug="xfer-half").exists()
    assert not schema_exists("xfer_half")


def test_file_from_a_newer_release_is_refused(committed: None, worlds: dict[str, ChainWorld], tmp_path: Path) -> None:
    schema = worlds["alpha"].chain.schema_name
    future = "INSERT INTO django_migrations (app, name, applied) VALUES ('loyalty', '9999_from_the_future', now())"
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(future)
    try:
        call_command("export_chain", "alpha", output=tmp_path / "future.tar")
    finally:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    before = public_rows()

    with pytest.raises(CommandError, match=r"loyalty\.9999_from_the_future"):
        call_command("import_chain", str(tmp_path / "future.tar"), slug="xfer-future")

    assert public_rows() == before
    assert not schema_exists("xfer_future")


def test_export_of_an_unknown_chain_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no chain 'nowhere'"):
        call_command("export_chain", "nowhere", output=tmp_path / "nowhere.tar")
    assert not (tmp_path / "nowhere.tar").exists()
