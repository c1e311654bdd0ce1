"""Every URL × method × role of both chains: refused where the role map says no, never the other chain's data.

The URL maps of both hosts are walked (maxloyalty.urls, maxloyalty.urls_public); each URL's rule is read from its
guard or the declared table (tests/security/access_rules.py), and a URL without one fails the first test. Path
parameters are filled with the ids of objects seeded through the services in both chains (each name and email
carries a token unique to its chain), on each host with the host chain's ids and with the other chain's ids. Each
request runs in a savepoint that is rolled back, so what an allowed request writes does not change the next one;
a refused write must leave every table of both chains and the platform as it was.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.access import resolve_access
from accounts.invitations import invite_staff
from accounts.models import Role
from accounts.roles import role_allows
from accounts.tokens import refresh_token_for
from campaigns.services import create_campaign, create_segment
from fraud.models import FraudFlag, FraudRule
from guests.merge import merge_guests
from guests.models import GuestExport
from guests.services import create_guest, start_import_job
from loyalty import rules
from loyalty.models import EntryKind
from loyalty.services import (
    accrue_points,
    apply_check,
    create_draft,
    create_level,
    create_promo,
    create_promo_code,
    start_backtest,
)
from pos.check_format import PosCheck
from pos.models import PosKind
from pos.services.claims import claim_receipt
from pos.services.connections import create_connection
from pos.services.receipts import receive_check
from telegram_bot.services.broadcasts import create_broadcast
from tests.fixtures import ChainWorld
from tests.security.access_rules import (
    AUTHENTICATED,
    GUEST_TOKEN,
    MEMBER,
    PLATFORM_STAFF,
    PUBLIC,
    SPECIAL_DOORS,
    WEBHOOK_SIGNATURE,
    Door,
    doors,
    rules_of,
)
from wallet.models import WalletPlatform
from wallet.services import issue_card

CHAIN_URLS, PLATFORM_URLS = "maxloyalty.urls", "maxloyalty.urls_public"
ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.CASHIER)
MARK = {"alpha": "qzalphamarkq", "beta": "qzbetamarkq"}  # in every seeded name and email of that chain
FIRST_FOREIGN_ID = 500_000  # the other chain's rows get ids no row of this chain has
REFUSED_STATUSES = {401, 403, 404, 405}
# Tables a refused request may write: session bookkeeping, and the POS webhooks' log of refused attempts (kept on
# purpose for each refusal, pos.services.receipts.record_rejected_attempt).
NOT_CHAIN_DATA = {"django_session", "qsessions_session", "token_blacklist_outstandingtoken", "pos_rejectedattempt"}
# A role the map allows may still be refused for the object or value it names: (URL name, method) -> such roles.
SCOPE_REFUSALS = {
    # "all restaurants" (the empty choice) is not a choice for staff limited to their restaurants
    ("accounts:switch-restaurant", "POST"): {Role.MANAGER, Role.CASHIER},
}


# --- the seed: one object of each kind per chain, through the services ---------------------------------------


def _seed(world: ChainWorld) -> dict[str, Any]:
    mark = MARK[world.chain.slug]
    owner, restaurant = world.user(Role.OWNER), world.restaurants[0]
    guest = create_guest(
        access=None,
        phone="+79160000001" if world.chain.slug == "alpha" else "+79160000002",
        first_name=f"Guest {mark}",
        email=f"guest.{mark}@mail.test",
        home_restaurant_id=restaurant.id,
    )
    pos_connection, _secrets = create_connection(
        actor=owner, restaurant=restaurant, kind=PosKind.WEBHOOK, name=f"Till {mark}"
    )
    receipt = receive_check(
        connection_id=pos_connection.id,
        restaurant_id=restaurant.id,
        check=PosCheck(
            external_id=f"check-{mark}",
            operation="sale",
            total_amount=Decimal("700.00"),
            currency="RUB",
            guest_kind="phone",
            guest_value=guest.phone,
        ),
        source="webhook",
    )
    level = create_level(actor=None, name=f"Level {mark}", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
    promo = create_promo(actor=None, name=f"Promo {mark}", multiplier=Decimal(2), weekdays=[2])
    code = create_promo_code(promo=promo, code=f"CODE{mark.upper()}", actor=None)
    outcome = apply_check(
        guest=guest,
        check=rules.Check(total_amount=Decimal("500.00")),
        restaurant=restaurant,
        idempotency_key=f"matrix-{mark}",
        actor=world.user(Role.CASHIER),
    )
    entry = accrue_points(guest=guest, points=40, kind=EntryKind.WELCOME, idempotency_key=f"welcome-{mark}")
    broadcast = create_broadcast(actor=None, text=f"News {mark}", send_at=timezone.now() + datetime.timedelta(days=1))
    segment = create_segment(access=resolve_access(owner, world.chain.id), name=f"Segment {mark}", filters={})
    campaign = create_campaign(
        access=resolve_access(owner, world.chain.id),
        name=f"Campaign {mark}",
        segment=segment.id,
        channels=["sms"],
        sms_text=f"News {mark} for {{{{ first_name }}}}",
    )
    invitation = invite_staff(
        chain=world.chain,
        email=f"invitee.{mark}@mail.test",
        full_name=f"Invitee {mark}",
        role=Role.CASHIER,
        restaurants=world.restaurants[:1],
        actor=owner,
        actor_role=Role.OWNER,
    )
    twin, absorbed, kept = (
        create_guest(access=None, phone=f"+7916555{digit}{1 if world.chain.slug == 'alpha' else 2}00", first_name=name)
        for digit, name in ((1, f"Twin {mark}"), (2, f"Absorbed {mark}"), (3, f"Kept {mark}"))
    )
    merge = merge_guests(access=None, survivor_id=kept.id, other_id=absorbed.id)
    job = start_import_job(access=None, upload=SimpleUploadedFile(f"{mark}.csv", b"phone\n+79161234567\n"))
    export = GuestExport.objects.create(created_by=owner, file_format="csv")
    # A flag as the rules write it (fraud.services records a finding as this row).
    flag = FraudFlag.objects.create(
        rule=FraudRule.VELOCITY, key=f"velocity:guest:{guest.id}:matrix-{mark}", guest=guest, restaurant=restaurant
    )
    # A guest's claim from a receipt's QR that no receipt matches yet (pos.services.claims).
    at = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    claim = claim_receipt(
        guest=guest, qr_text=f"t={at:%Y%m%dT%H%M}&s=12.34&fn=9960440300000001&i=7&fp=77&n=1", source="bot"
    ).claim
    draft = create_draft(actor=None, name=f"Draft {mark}")
    backtest = start_backtest(draft=draft, days=30, actor=None)  # queued after a commit that never comes here
    wallet_card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    return {
        "restaurant_id": restaurant.id,
        "connection_id": pos_connection.id,
        "receipt_id": receipt.receipt_id,
        "guest_id": guest.id,
        "level_id": level.id,
        "promo_id": promo.id,
        "code_id": code.id,
        "applied_check_id": outcome.applied_check.id,
        "entry_id": entry.id,
        "broadcast_id": broadcast.id,
        "segment_id": segment.id,
        "campaign_id": campaign.id,
        "first_id": guest.id,
        "second_id": twin.id,
        "merge_id": merge.id,
        "flag_id": flag.id,
        "claim_id": claim.id,
        "job_id": job.id,
        "export_id": export.id,
        "draft_id": draft.id,
        "backtest_id": backtest.id,
        "file_name": "no-logo.png",
        "serial": wallet_card.serial,  # the PassKit web service's parameters
        "device_library_id": f"matrix-device-{mark}",
        "pass_type_id": "pass.test.matrix",
        "membership_id": world.user(Role.CASHIER).memberships.get(chain=world.chain).id,
        "invitation_id": invitation.id,
        "slug": "summary",
        "handle": "not-a-session",  # a signed-in user's own session handle (theirs alone to end)
        # the password-reset link and the admin's own parameters: any well-formed value
        "uidb64": "MQ",
        "token": "set-password",
        "object_id": "1",
        "content_type_id": "1",
        "id": "1",
        "url": "nowhere/",
        "app_label": "tenants",
        "kind": "receipt",  # a message template (messaging): kind and language
        "language": "ru",
    }


def _move_sequences_past(schema_name: str, first_id: int) -> None:
    """The chain's next rows get ids from first_id on, so an id of one chain never names a row of the other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", [schema_name])
        for sequence, last_value in cursor.fetchall():  # never backwards: committed rows keep their ids
            cursor.execute("SELECT setval(%s, %s)", [f'"{schema_name}"."{sequence}"', max(first_id, last_value or 0)])


@dataclass
class Seeded:
    worlds: dict[str, ChainWorld]
    ids: dict[str, dict[str, Any]]
    fingerprint_sql: str
    personas: dict[str, list[Persona]]  # per host: nobody, then each role of alpha, then of beta


@pytest.fixture(scope="module")
def seeded(worlds: dict[str, ChainWorld], django_db_blocker: Any) -> Iterator[Seeded]:
    """Both chains' objects, created once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            ids = {}
            with schema_context(worlds["alpha"].chain.schema_name):
                ids["alpha"] = _seed(worlds["alpha"])
            _move_sequences_past(worlds["beta"].chain.schema_name, FIRST_FOREIGN_ID)
            with schema_context(worlds["beta"].chain.schema_name):
                ids["beta"] = _seed(worlds["beta"])
            connection.set_schema_to_public()
            hosts = [world.host for world in worlds.values()] + [settings.PLATFORM_DOMAIN]
            yield Seeded(
                worlds,
                ids,
                _fingerprint_sql([world.chain.schema_name for world in worlds.values()]),
                {host: _personas(worlds, host) for host in hosts},
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.set_schema_to_public()


def _fingerprint_sql(schemas: list[str]) -> str:
    """Rows inserted, updated and deleted so far in this transaction, per table of both chains and the platform
    (PostgreSQL's own counters: a write that nets to nothing still counts)."""
    names = ", ".join(f"'{schema}'" for schema in [*schemas, "public"])
    excluded = ", ".join(f"'{table}'" for table in NOT_CHAIN_DATA)
    # A partitioned table's rows are counted in its month partitions (<table>_pYYYYMM, <table>_default).
    return (
        "SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "  # noqa: S608
        f"WHERE schemaname IN ({names}) AND relname NOT IN ({excluded}) "
        f"AND regexp_replace(relname, '_(p[0-9]{{6}}|default)$', '') NOT IN ({excluded})"
    )


def _fingerprint(sql: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


# --- personas: each role of each chain, and nobody -------------------------------------------------------------


@dataclass
class Persona:
    chain: str | None  # None: anonymous
    role: str | None
    client: Client
    bearer: str = ""

    @property
    def label(self) -> str:
        return f"{self.role}@{self.chain}" if self.chain else "anonymous"


def _personas(worlds: dict[str, ChainWorld], host: str) -> list[Persona]:
    personas = [Persona(None, None, _client(host))]
    for slug, world in worlds.items():
        for role in ROLES:
            client = _client(host)
            client.force_login(world.user(role), backend="django.contrib.auth.backends.ModelBackend")
            token = str(refresh_token_for(world.user(role), world.chain.id).access_token)
            personas.append(Persona(slug, role, client, token))
    return personas


def _client(host: str) -> Client:
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- expectations ---------------------------------------------------------------------------------------------


def _expected(rule: Any, persona: Persona, host_chain: str | None) -> str:
    """'allowed', 'refused', or 'any' (the door decides by something other than who asks)."""
    if rule in (PUBLIC, AUTHENTICATED):
        return "any"
    if rule in (GUEST_TOKEN, WEBHOOK_SIGNATURE, PLATFORM_STAFF):
        return "refused"
    if persona.chain is None or persona.chain != host_chain:
        return "refused"
    return "allowed" if rule == MEMBER or role_allows(persona.role or "", rule) else "refused"


def _path(door: Door, ids: dict[str, Any]) -> str:
    missing = [param for param in door.params if param not in ids]
    assert not missing, f"{door.name}: no seeded object for {missing}; add one to _seed"
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(ids[match.group(1)]), door.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: str(ids[match.group(1)]), path)  # regex routes (admin)
    return "/" + path.lstrip("^").rstrip("$")


def _body_text(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        return ""  # a zipped workbook: its text is not readable here (the CSV export carries the same rows)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _is_login_redirect(response: Any) -> bool:
    return response.status_code in (302, 303) and "/login/" in response.get("Location", "")


def _send(persona: Persona, method: str, path: str) -> Any:
    client = persona.client
    saved = copy.deepcopy(client.cookies)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {persona.bearer}"} if persona.bearer and "/api/" in path else {}
    try:
        if method == "GET":
            return client.get(path, **headers)
        if path.startswith("/api/") or "/api/" in path:
            return client.generic(method, path, b"{}", content_type="application/json", **headers)
        return (
            getattr(client, method.lower())(path, {}, **headers)
            if method == "POST"
            else client.generic(method, path, b"", **headers)
        )
    finally:
        client.cookies = saved


def _problems(
    seeded: Seeded,
    door: Door,
    method: str,
    host_chain: str | None,
    host: str,
    id_chain: str,
    who: frozenset[str] | None = None,
) -> list[str]:
    """What is wrong with `method` on `door` for each persona (`who`: those labels only; None: everyone)."""
    rules = rules_of(door)
    assert rules is not None, f"{door.name} has no access rule"
    rule = rules[method]
    path = _path(door, seeded.ids[id_chain])
    foreign_marks = {slug: mark for slug, mark in MARK.items() if slug != host_chain}
    problems = []
    for persona in (persona for persona in seeded.personas[host] if who is None or persona.label in who):
        expected = _expected(rule, persona, host_chain)
        check_writes = expected == "refused" and method != "GET"
        with transaction.atomic():
            before = _fingerprint(seeded.fingerprint_sql) if check_writes else None
            response = _send(persona, method, path)
            status = response.status_code
            body = _body_text(response)
            after = _fingerprint(seeded.fingerprint_sql) if check_writes and status != 500 else before
            transaction.set_rollback(True)
        connection.set_schema_to_public()
        said = f"{persona.label} {method} {path} -> {status}"
        if status >= 500:
            problems.append(f"{said}: server error")
        refusals = REFUSED_STATUSES | ({400} if rule == WEBHOOK_SIGNATURE else set())  # Stripe: 400 unsigned
        if expected == "refused" and not (status in refusals or _is_login_redirect(response)):
            problems.append(f"{said}: should be refused ({rule})")
        scoped_out = persona.role in SCOPE_REFUSALS.get((door.name, method), ())
        if expected == "allowed" and not scoped_out and (status in (401, 403) or _is_login_redirect(response)):
            problems.append(f"{said}: refused although the role map allows {rule}")
        if before != after:
            changed = sorted(
                table
                for table in {*(before or {}), *(after or {})}
                if (before or {}).get(table) != (after or {}).get(table)
            )
            problems.append(f"{said}: a refused request changed {changed}")
        # On a chain's host nobody sees the other chain's data; on the platform host a user sees only their own.
        leaked = [slug for slug, mark in foreign_marks.items() if mark in body]
        if host_chain is None:
            leaked = [slug for slug in leaked if slug != persona.chain]
        if leaked:
            problems.append(f"{said}: the body holds data of chain {leaked}")
    return problems


def _cases(urlconf: str, *, writes: bool) -> list[Any]:
    return [
        pytest.param(door, method, id=f"{method} {door.name}")
        for door in doors(urlconf)
        for method in (door.methods if writes else ("GET",))
    ]


# --- the tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("urlconf", [CHAIN_URLS, PLATFORM_URLS])
def test_every_url_has_an_access_rule(urlconf):
    without = [f"{door.name} ({door.route})" for door in doors(urlconf) if rules_of(door) is None]
    assert without == [], "add the guard (permission_required_page, required_permission) or a SPECIAL_DOORS entry"


def test_a_new_url_without_a_guard_or_declared_rule_is_reported():
    def unguarded(request):
        return None

    door = Door(CHAIN_URLS, "pos:brand-new-page", "brand-new/", unguarded, ())
    assert rules_of(door) is None


ALPHA_STAFF = frozenset(f"{role}@alpha" for role in ROLES)
# The mirror image, read-only: beta's most and least privileged roles, and alpha's owner, on beta's host.
BETA_HOST_READERS = frozenset({"owner@beta", "cashier@beta", "owner@alpha"})
# The admin site's URLs share one guard (admin_view); nobody of a chain is platform staff.
ADMIN_VISITORS = frozenset({"anonymous", "owner@alpha", "cashier@beta"})


@pytest.mark.parametrize(("door", "method"), _cases(CHAIN_URLS, writes=True))
def test_chain_host_with_its_own_ids(seeded, db, door, method):
    problems = _problems(seeded, door, method, "alpha", seeded.worlds["alpha"].host, "alpha")
    assert problems == []


@pytest.mark.parametrize(
    ("door", "method"), [case for case in _cases(CHAIN_URLS, writes=True) if case.values[0].params]
)
def test_chain_host_with_the_other_chains_ids(seeded, db, door, method):
    # nobody and beta's staff are refused by who they are (the test above); here alpha's staff meet beta's ids
    problems = _problems(seeded, door, method, "alpha", seeded.worlds["alpha"].host, "beta", ALPHA_STAFF)
    assert problems == []


@pytest.mark.parametrize(("door", "method"), _cases(CHAIN_URLS, writes=False))
def test_other_chain_host_shows_nothing_of_the_first(seeded, db, door, method):
    problems = _problems(seeded, door, method, "beta", seeded.worlds["beta"].host, "alpha", BETA_HOST_READERS)
    assert problems == []


@pytest.mark.parametrize(
    ("door", "method"),
    [
        case
        for case in _cases(PLATFORM_URLS, writes=True)
        if case.values[0].namespace != "admin" or case.values[1] == "GET"
    ],
)
def test_platform_host(seeded, db, door, method):
    who = ADMIN_VISITORS if door.namespace == "admin" and door.name not in SPECIAL_DOORS else None
    problems = _problems(seeded, door, method, None, settings.PLATFORM_DOMAIN, "alpha", who)
    assert problems == []
