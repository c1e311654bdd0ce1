"""Nothing imports upward, and no cycle ties two apps or two layers: the layering rule (README, Architecture), checked.

Every non-test, non-migration module of the project's packages is parsed with `ast` (imports at the top of the
module, inside functions and under TYPE_CHECKING alike, relative ones resolved) and given an app (its top package)
and a layer, lowest first:

    core       every maxloyalty module but the project's wiring: errors, db, the Celery app, the task queue,
               events, HTTP pieces; it imports no app
    base       models, rules, errors, events, adapters and providers, pure parsers and formats
    selectors  reads (selectors, access, filters, read-only reports)
    services   writes and orchestrations (services, other apps' services)
    entry      entry points: views, API, webhooks, tasks, management commands, admin, forms, urls, middleware,
               apps and ORM signal receivers
    project    the project's wiring: settings, root URL maps, WSGI, gunicorn

The test fails, with a list saying what to change, on
1. an import from a lower layer to a higher one (a service importing its app's tasks, a selector importing a service);
2. an entry point importing another app's entry point (a view importing another app's view: share a service);
3. a cycle (strongly connected set of modules) spanning two apps or two layers;
4. a module no rule below classifies: add its name to ROOMS (a room every app may have) or MODULES (one module).

Pure ast, no Django set-up: it runs in well under a second.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_PROJECT_PACKAGES = {"tests", "bench", "docs", "docker", "locale", "static", "templates"}

LAYERS = ("core", "base", "selectors", "services", "entry", "project")
RANK = {layer: rank for rank, layer in enumerate(LAYERS)}

# Rooms every app may have, by the first name under the app (`loyalty.services.checks` is in room `services`) or,
# for the rest, by how a module's last name ends (`tenants.settings_views` ends in `views`).
ROOMS: dict[str, str] = {
    "models": "base",
    "rules": "base",
    "errors": "base",
    "events": "base",
    "adapters": "base",
    "providers": "base",
    "selectors": "selectors",
    "filters": "selectors",
    "services": "services",
    "api": "entry",
    "views": "entry",
    "urls": "entry",
    "forms": "entry",
    "tasks": "entry",
    "webhooks": "entry",
    "management": "entry",
    "admin": "entry",
    "apps": "entry",
    "signals": "entry",
    "middleware": "entry",
    "context_processors": "entry",
    "templatetags": "entry",
}
ROOM_ENDINGS: dict[str, str] = {"_urls": "entry", "_views": "entry", "_forms": "entry"}

# Modules that are not a room: each says what it is for in its docstring; here, which layer that puts it in.
MODULES: dict[str, str] = {
    # maxloyalty: the project's wiring on top; every other maxloyalty module is core (see layer_of).
    "maxloyalty.api_docs": "project",
    # Chains' files and their one download door (the storage, the prefix, signed URLs); each app's view checks the
    # rights on the owning object first, so this imports no app: core, named here because views of apps call it.
    "maxloyalty.chain_files": "core",
    "maxloyalty.devserver": "project",
    "maxloyalty.gunicorn_config": "project",
    "maxloyalty.urls": "project",
    "maxloyalty.urls_public": "project",
    "maxloyalty.wsgi": "project",
    # accounts
    "accounts.access": "selectors",
    "accounts.actors": "base",
    "accounts.admin_config": "entry",
    "accounts.admin_site": "entry",
    "accounts.authentication": "entry",
    "accounts.handoff": "services",
    "accounts.invitations": "services",
    "accounts.login_throttle": "base",
    "accounts.quick_search": "selectors",
    "accounts.requests": "base",
    "accounts.restaurant_choice": "selectors",
    "accounts.roles": "base",
    "accounts.sign_in": "services",
    "accounts.tokens": "base",
    "accounts.user_sessions": "services",
    # analytics
    "analytics.figure_snapshots": "services",
    "analytics.liability": "selectors",
    "analytics.liability_snapshots": "services",
    "analytics.metrics": "selectors",
    "analytics.periods": "base",
    "analytics.replica_lag": "base",
    "analytics.reports": "selectors",
    "analytics.rollups": "services",
    "analytics.routers": "base",
    # billing
    "billing.limits": "services",
    # guests
    "guests.cards": "base",
    "guests.conditions": "base",
    "guests.csv_import": "base",
    "guests.duplicates": "selectors",
    "guests.duplicate_scans": "services",
    "guests.erasure": "base",
    "guests.export": "selectors",
    "guests.export_jobs": "services",
    "guests.masking": "selectors",
    "guests.merge": "services",
    "guests.phones": "base",
    "guests.search": "selectors",
    "guests.search_text": "base",
    # loyalty
    "loyalty.backtest_rules": "base",
    "loyalty.check_plan": "base",
    "loyalty.demo": "services",
    "loyalty.grants": "selectors",
    "loyalty.program_draft": "base",
    "loyalty.rights": "selectors",
    # messaging: the SMS library (parts and providers), adapters that call no service
    "messaging.sms": "base",
    "messaging.sms.parts": "base",
    "messaging.sms.providers": "base",
    "messaging.sms.providers.base": "base",
    "messaging.sms.providers.connections": "base",
    "messaging.sms.providers.smsru": "base",
    "messaging.sms.providers.twilio": "base",
    # campaigns: the holdout split and uplift arithmetic (pure), sending (an orchestration), results (reads)
    "campaigns.holdout": "base",
    "campaigns.sending": "services",
    "campaigns.results": "selectors",
    # automations: running them (an orchestration over messaging and loyalty)
    "automations.runners": "services",
    # messaging
    "messaging.channels": "selectors",
    "messaging.templating": "selectors",
    "messaging.message_templates": "selectors",
    "messaging.email": "base",
    "messaging.unsubscribe_links": "base",
    # the rule by which marketing yields to the tills (reads the POS traffic counted in Redis; no model, no service)
    "messaging.pacing": "base",
    "messaging.sms_services": "services",
    "messaging.staff_alerts": "services",
    # feedback: the signed rating link (like messaging.unsubscribe_links)
    "feedback.rating_links": "base",
    # wallet: reading settings' PEMs, the .pkpass builder (pure), the signed "add to wallet" link
    "wallet.configuration": "base",
    "wallet.apple_pass": "base",
    "wallet.links": "base",
    # observability
    "observability.cache_client": "base",
    "observability.metrics": "base",
    # pos
    "pos.check_format": "base",
    "pos.fiscal_qr": "base",  # the fiscal receipt QR parser (pure)
    "pos.inbound": "selectors",
    "pos.qr_images": "base",  # QR codes read from a photo (pure)
    "pos.signatures": "base",
    "pos.till": "services",
    "pos.webhook_examples": "base",
    "pos.webhook_intake": "entry",
    # telegram_bot
    "telegram_bot.client": "base",
    "telegram_bot.init_data": "base",
    "telegram_bot.start_links": "base",
    # tenants
    "tenants.chain_transfer": "services",
    "tenants.demo": "services",
    # The monthly partitions of every chain: the nightly maintenance and the readiness question over served chains.
    "tenants.partitions": "services",
    "tenants.sample_data": "services",
    "tenants.routing": "selectors",
    "tenants.signup": "services",
    "tenants.validators": "base",
}

# Known violations another change is removing right now. TEMPORARY: the list is emptied as they land; a new entry
# needs an issue. Each is (importer, imported) exactly as the failure message names them.
PENDING_FIXES: set[tuple[str, str]] = set()


def project_packages(root: Path) -> list[str]:
    return sorted(
        path.parent.name
        for path in root.glob("*/__init__.py")
        if path.parent.name not in NOT_PROJECT_PACKAGES and not path.parent.name.startswith(".")
    )


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name → file, for every module of the project's packages but tests and migrations."""
    modules = {}
    for package in project_packages(root):
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def layer_of(module: str) -> str | None:
    if module in MODULES:
        return MODULES[module]
    parts = module.split(".")
    if parts[0] == "maxloyalty":
        return "project" if parts[1:2] == ["settings"] else "core"
    if len(parts) == 1:
        return "base"  # an app's package __init__: its docstring
    if parts[1] in ROOMS:
        return ROOMS[parts[1]]
    for ending, layer in ROOM_ENDINGS.items():
        if parts[-1].endswith(ending):
            return layer
    return None


def _imported_names(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                yield f"{base}.{alias.name}"  # a submodule, or a name inside `base` (resolved below)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def resolve(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {resolve(name) for name in _imported_names(tree, module, path.name == "__init__.py")}
        graph[module] = {target for target in targets if target is not None and target != module}
    return graph


def strongly_connected_sets(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only the sets of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    if len(members) > 1:
                        found.append(sorted(members))
    return found


def app_of(module: str) -> str:
    return module.partition(".")[0]


def _is_url_map(module: str) -> bool:
    return module.rpartition(".")[2].endswith("urls")


def layering_problems(root: Path = ROOT, pending: set[tuple[str, str]] = PENDING_FIXES) -> list[str]:
    modules = project_modules(root)
    unclassified = sorted(module for module in modules if layer_of(module) is None)
    if unclassified:
        return [
            f"{module} fits no layer: name it for its room (services, selectors, views, ...) or add it to MODULES "
            f"in {Path(__file__).name} with the layer its docstring describes"
            for module in unclassified
        ]
    layers = {module: layer_of(module) or "" for module in modules}
    graph = {
        importer: {imported for imported in targets if (importer, imported) not in pending}
        for importer, targets in import_graph(modules).items()
    }
    problems = []
    for importer in sorted(graph):
        for imported in sorted(graph[importer]):
            low, high = layers[importer], layers[imported]
            if RANK[high] > RANK[low]:
                hint = (
                    "queue it by name with maxloyalty.task_queue.enqueue_after_commit"
                    if imported.endswith(".tasks")
                    else "move what it needs down, or let the caller pass it"
                )
                problems.append(f"upward import: {importer} ({low}) imports {imported} ({high}): {hint}")
            elif low == high == "entry" and app_of(importer) != app_of(imported) and not _is_url_map(importer):
                problems.append(
                    f"entry point {importer} imports another app's entry point {imported}: "
                    f"move the shared part into a service or selector of {app_of(imported)}"
                )
    for members in strongly_connected_sets(graph):
        apps = {app_of(member) for member in members}
        spanned = {layers[member] for member in members}
        if len(apps) > 1 or len(spanned) > 1:
            inside = [
                f"    {importer} ({layers[importer]}) -> {imported} ({layers[imported]})"
                for importer in members
                for imported in sorted(graph[importer])
                if imported in members
            ]
            problems.append(
                f"import cycle spanning apps {sorted(apps)} and layers {sorted(spanned, key=RANK.__getitem__)}:\n"
                + "\n".join(inside)
            )
    return problems


def test_every_module_has_a_layer_and_nothing_imports_upward_or_in_a_circle() -> None:
    problems = layering_problems()
    assert not problems, "The layering rule (README, Architecture) is broken:\n" + "\n".join(problems)


def test_the_pending_list_names_only_imports_that_still_exist() -> None:
    graph = import_graph(project_modules())
    stale = sorted(pair for pair in PENDING_FIXES if pair[1] not in graph.get(pair[0], set()))
    assert not stale, f"These PENDING_FIXES are fixed: remove them from the list: {stale}"


def test_the_check_finds_an_unclassified_module_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    (shop / "api").mkdir(parents=True)
    (shop / "__init__.py").write_text("")
    (shop / "odd_things.py").write_text("")
    assert layering_problems(tmp_path, set()) == [
        "shop.odd_things fits no layer: name it for its room (services, selectors, views, ...) or add it to MODULES "
        "in test_import_layers.py with the layer its docstring describes"
    ]
    (shop / "odd_things.py").unlink()
    (shop / "services.py").write_text("def queue():\n    from .tasks import work\n")
    (shop / "tasks.py").write_text("from shop import services\n")
    (shop / "selectors.py").write_text("import shop.models\n")
    (shop / "models.py").write_text("")
    (shop / "api" / "__init__.py").write_text("")
    (shop / "api" / "views.py").write_text("from ..selectors import x\n")
    problems = layering_problems(tmp_path, set())
    assert problems == [
        "upward import: shop.services (services) imports shop.tasks (entry): "
        "queue it by name with maxloyalty.task_queue.enqueue_after_commit",
        "import cycle spanning apps ['shop'] and layers ['services', 'entry']:\n"
        "    shop.services (services) -> shop.tasks (entry)\n"
        "    shop.tasks (entry) -> shop.services (services)",
    ]
    assert layering_problems(tmp_path, {("shop.services", "shop.tasks")}) == []
