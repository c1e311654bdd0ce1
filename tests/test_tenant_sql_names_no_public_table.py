"""Raw SQL in the chains' own apps names none of the public schema's tables: the rule that keeps the code ready for
Citus schema-based sharding (docs/scaling.md, "What the code needs").

With each chain's schema on a worker node, a statement that joins a chain's tables to a table only the public
schema has (users, chains, domains, billing) either needs that table replicated to every node (a reference table)
or is planned across nodes. The ORM's joins to the users table are listed in docs/scaling.md and rely on it becoming
a reference table; raw SQL is where such a join would slip in unseen. So, in every non-test, non-migration module
of the TENANT_APPS packages, this test fails on
1. a string that contains the name of a public-only table (a model of a SHARED_APPS app that no TENANT_APPS app
   has), as a whole identifier, quoted or not, with or without its schema;
2. a string that qualifies a name with the public schema (`public.something`) in SQL;
3. `<Model>._meta.db_table` where `<Model>` was imported from a public-only app (how a table name reaches an
   f-string);
unless ALLOWED names the module and the table with the reason. The public-only tables come from the app registry,
so a new shared model is covered without editing this file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# (module, table or "public.") → why that module may name it. Empty: no tenant module does today.
ALLOWED: dict[tuple[str, str], str] = {}

SQL_WORDS = re.compile(r"\b(select|insert|update|delete|from|join|into|table)\b", re.IGNORECASE)
PUBLIC_QUALIFIED = re.compile(r"(?<![\w.])\"?public\"?\s*\.\s*\"?[a-z_]", re.IGNORECASE)


def _app_labels(entries: list[str]) -> set[str]:
    labels = set()
    for entry in entries:
        for config in apps.get_app_configs():
            if config.name == entry or f"{config.__module__}.{type(config).__name__}" == entry:
                labels.add(config.label)
    return labels


def public_only_tables() -> set[str]:
    """Tables of the models whose app is shared and not a tenant app (auto-created many-to-many tables too)."""
    tenant_labels = _app_labels(list(settings.TENANT_APPS))
    shared_labels = _app_labels(list(settings.SHARED_APPS))
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in shared_labels - tenant_labels
    }


def public_only_packages() -> set[str]:
    """Top-level packages of this project whose models are all public-only (accounts, billing, tenants)."""
    tenant_labels = _app_labels(list(settings.TENANT_APPS))
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if config.label in _app_labels(list(settings.SHARED_APPS)) - tenant_labels
        and (ROOT / config.name.split(".")[0]).is_dir()
    }


def tenant_modules() -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every non-test, non-migration module of the tenant apps in this repository."""
    for entry in settings.TENANT_APPS:
        package = ROOT / entry.split(".")[0]
        if not package.is_dir() or not (package / "__init__.py").exists():
            continue  # a third-party app (guardian, django.contrib.auth)
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield ".".join(parts), path


def findings(source: str, *, tables: set[str], packages: set[str]) -> list[tuple[int, str]]:
    """(line, table or "public.") for each place in `source` that names a public-only table in SQL."""
    tree = ast.parse(source)
    table_pattern = re.compile(
        r"(?<![\w$])(?:\"?public\"?\s*\.\s*)?\"?(" + "|".join(sorted(map(re.escape, tables))) + r")\"?(?![\w$])"
    )
    public_names: set[str] = set()  # names bound by `from <public app>... import X` or `import <public app>...`
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in packages:
            public_names.update(alias.asname or alias.name for alias in node.names)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [(node.lineno, match.group(1)) for match in table_pattern.finditer(node.value)]
            if SQL_WORDS.search(node.value) and PUBLIC_QUALIFIED.search(node.value):
                found.append((node.lineno, "public."))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in public_names
        ):
            found.append((node.lineno, f"{node.value.value.id}._meta.db_table"))
    return sorted(set(found))


def test_no_tenant_module_names_a_public_table_in_raw_sql() -> None:
    tables, packages = public_only_tables(), public_only_packages()
    offences = [
        f"{module}:{line}: {name}"
        for module, path in tenant_modules()
        for line, name in findings(path.read_text(), tables=tables, packages=packages)
        if (module, name) not in ALLOWED
    ]
    assert not offences, (
        "Raw SQL in a chain's app names a public-schema table (a cross-schema join under Citus; docs/scaling.md). "
        "Use the ORM through a reference table, read it separately, or add it to ALLOWED with the reason:\n"
        + "\n".join(offences)
    )


def test_the_rule_knows_the_public_tables_and_the_tenant_modules() -> None:
    """What the rule stands on: the registry's public-only tables and this repository's tenant modules."""
    tables = public_only_tables()
    assert {"accounts_user", "tenants_chain", "tenants_domain", "billing_subscription"} <= tables
    assert not tables & {"loyalty_ledgerentry", "pos_receipt", "guests_guest", "auth_permission"}
    assert {"accounts", "billing", "tenants"} <= public_only_packages()
    modules = dict(tenant_modules())
    assert {"loyalty.services.ledger", "pos.services.receipts.batches", "analytics.rollups"} <= set(modules)
    assert not any(".tests." in name or ".migrations." in name for name in modules)


def test_the_check_finds_each_way_of_naming_a_public_table() -> None:
    """The check can fail: each form is found in a sample, and a chain's own tables and look-alikes are not."""
    sample = """
from accounts.models import User
from loyalty.models import LedgerEntry

JOINED = "SELECT e.id FROM loyalty_ledgerentry e JOIN accounts_user u ON u.id = e.actor_id"
QUOTED = 'SELECT 1 FROM "public"."tenants_domain"'
QUALIFIED = "SELECT count(*) FROM public.some_future_table"
BUILT = f"SELECT id FROM {User._meta.db_table} WHERE id = %s"
OWN = f"SELECT id FROM {LedgerEntry._meta.db_table} WHERE guest_id = %s"
INDEX = "billing_subscription_state_idx"
PROSE = "the public. Nothing selected"
"""
    found = findings(sample, tables=public_only_tables(), packages=public_only_packages())
    assert found == [
        (5, "accounts_user"),
        (6, "public."),
        (6, "tenants_domain"),
        (7, "public."),
        (8, "User._meta.db_table"),
    ]
