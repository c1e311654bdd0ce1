"""Page budget: every page and API list endpoint of a chain's URL map, for an owner, a manager and a cashier, cold
and warm, at 1M guests, 10M ledger entries, 3M visits, 1M POS receipts and 5M audit rows (BENCH_SCALE=small: 1/100
of each).

Reuses the `benchcore` chain and its seeding (bench.loyalty_core: guests and ledger; bench.dashboard: restaurants
and visits; then each guest's first and last visit and home restaurant, which recording a visit keeps) and adds POS receipts (one webhook connection per restaurant, received over the last year) and audit
entries (several actions and actors, over the last year), each by INSERT … SELECT generate_series into the table
named by the model (`Model._meta.db_table`: a partitioned parent works the same), skipped when already there. The
three staff users are made as the test fixtures make them (accounts: create_user and grant_membership); the rows
that detail pages name (a level, a promo and its code, an invitation, a broadcast, a segment) come from the services; an
import job and an export per role are rows as the access matrix test makes them (their services queue a task).

The pages are walked from the URL map itself (`tenant_url_names`: django.urls.get_resolver of maxloyalty.urls): every
URL name is either in PLANS (how to request it: the first page, searches, realistic filters, path arguments filled
from real rows) or in SKIPPED with the reason (POST-only actions, logout, webhooks, file downloads that start jobs);
tests/test_page_budget_walk.py fails when a URL is in neither. A list whose first page links to a next page also gets
a deep page: the "next" link (the API's `next`, a page's → link) followed DEEP_HOPS times (or for DEEP_SECONDS),
whatever the pagination (page numbers or keyset cursors); filters far in the past are the other deep pages.

Measured in-process through django.test.Client (the whole middleware stack, session sign-in, no HTTP server): per
role and request, COLD samples (each after the chain's analytics cache keys and segment readings are deleted and the
database connection is closed, so the next request opens a new one with PostgreSQL's caches of a new backend; the
analytics pages' stored figures stay, as they do when a cache is flushed or a process restarts: the scheduled roll-up
computes the default views' figures, done here before the walk, and any other view's are computed on its first
request, which is the first cold sample) and WARM samples (repeats),
p50/p95 of each (COLD_RUNS and WARM_RUNS; SLOW_RUNS of each for a page whose warm request takes over a second, so
a full-scale walk ends in time), and the queries of one warm request. A 200 is timed; a redirect, 403 or 404 is
counted and listed, not timed; any other status is listed the same way (a planned page answering 405 belongs in
SKIPPED). The API's per-user throttle is raised for the run (it still runs; only its limit would refuse the
repeats). Baseline: the trivial JSON view of bench.urls through the same client and middleware, signed in as the
owner, in the same run.

Results: `pages_p95_ms` (the worst page's warm p95) and `pages_cold_p95_ms` (the worst cold p95), both against
`django_trivial_p95_ms`. Downloads (CSV/XLSX) are measured and shown but not in these two figures: their time grows
with the rows asked for by design. Targets: every page p95 < 300 ms warm and < 1 s cold.
"""

from __future__ import annotations

import contextlib
import datetime
import html
import io
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from bench.loyalty_core import SCALES, SEED_BATCH, Scale, bench_chain, ensure_seeded
from bench.results import append_results, entry, percentile, print_table, scale_name, setup_django

TENANT_URLCONF = "maxloyalty.urls"
RECEIPTS_PER_GUEST = 1
AUDIT_ENTRIES_PER_GUEST = 5
DEEP_HOPS = 50
DEEP_SECONDS = 60.0  # following a slow list's next links stops after this long (the label says how far it got)
COLD_RUNS = 5
WARM_RUNS = 20
SLOW_RUNS = 5  # a page whose first warm request takes over the cold budget gets this many samples of each kind
TRIVIAL_RUNS = 200
WARM_BUDGET_MS = 300.0
COLD_BUDGET_MS = 1000.0
AUDIT_ACTIONS = (
    "guests.created",
    "points.accrued",
    "points.redeemed",
    "loyalty.level_changed",
    "staff.changed",
    "settings.changed",
)

# URL names that are not requested, with the reason. Everything else of the chain's URL map is in PLANS.
SKIPPED: dict[str, str] = {
    "campaigns:segment-settings": "POST-only action",
    "campaigns-pages:campaign-send": "POST-only action (queues the sending)",
    "campaigns-pages:campaign-cancel": "POST-only action",
    "campaigns-api:campaign-send": "POST-only action (queues the sending)",
    "analytics:liability-refresh": "POST-only action (the bench computes the snapshot itself, timed, before the walk)",
    "analytics-api:liability-refresh": "POST-only action (queues a snapshot)",
    "pos-api:connection-rotate-secret": "POST-only action",
    "pos-api:connection-rotate-token": "POST-only action",
    "pos-api:connection-sync": "POST-only action (queues a sync)",
    "pos-api:receipt-rerun": "POST-only action",
    "pos-api:webhook-receive": "webhook (POS signature)",
    "pos-api:iiko-webhook-receive": "webhook (POS signature)",
    "pos-api:rkeeper-notification-receive": "webhook (POS signature)",
    "accounts:logout": "logout",
    "accounts:handoff": "needs a one-time sign-in token minted on the platform host",
    "accounts:switch-chain": "POST-only action",
    "accounts:switch-restaurant": "POST-only action",
    "accounts:session-end": "POST-only action",
    "accounts:sessions-end-others": "POST-only action",
    "pos:cashier-restaurant": "POST-only action (the bench posts it once per role to choose the till's restaurant)",
    "pos:cashier-register": "POST-only action",
    "pos:cashier-tip-dismiss": "POST-only action",
    "pos:cashier-quote": "POST-only action",
    "pos:cashier-apply": "POST-only action",
    "pos:cashier-undo": "POST-only action",
    "restaurants:connection-create": "POST-only action",
    "restaurants:connection-rotate": "POST-only action",
    "restaurants:connection-test-check": "POST-only action",
    "restaurants:connection-iiko-credentials": "POST-only action",
    "restaurants:receipt-rerun": "POST-only action",
    "guests:guest-bulk-tag": "POST-only action",
    "guests:guest-export-csv": "file download that starts an export job above the stream limit",
    "guests:guest-export-xlsx": "file download that starts an export job above the stream limit",
    "guests:export-file": "file download (a written export)",
    "guests:import-file": "file download (an uploaded import)",
    "guests:guest-adjust": "POST-only action",
    "guests:guest-block": "POST-only action",
    "guests:guest-wallet-link": "POST-only action",
    "guests:guest-unblock": "POST-only action",
    "loyalty:promo-code-create": "POST-only action",
    "loyalty:promo-code-deactivate": "POST-only action",
    "loyalty:backtest-start": "POST-only action",
    "loyalty:draft-publish": "POST-only action",
    "staff:set-active": "POST-only action",
    "staff:invitation-resend": "POST-only action",
    "staff:invitation-revoke": "POST-only action",
    "staff:invitation-accept": "needs the emailed invitation's one-time token (without one: 404)",
    "settings:sample-data-on": "POST-only action",
    "settings:sample-data-off": "POST-only action",
    "settings:logo-upload": "POST-only action",
    "settings:logo-remove": "POST-only action",
    "settings:card-colours": "POST-only action",
    "chain-logo": "file download (the chain's logo)",
    "telegram:webhook": "webhook (Telegram secret)",
    "messaging:sendgrid-tracking": "webhook (SendGrid, basic-auth secret)",
    "messaging:mailgun-tracking": "webhook (Mailgun, signed)",
    "messaging:sms-twilio-status": "webhook (Twilio delivery status, signed)",
    "messaging:sms-twilio-inbound": "webhook (Twilio inbound STOP replies, signed)",
    "messaging:sms-smsru-status": "webhook (SMS.ru delivery status, secret token)",
    "messaging:sms-settings": "POST only (the SMS part of the messaging settings form)",
    "messaging:unsubscribe": "a guest's signed link, not a staff page",
    "feedback:rate": "a guest's signed link, not a staff page",
    "wallet:apple-registration": "Apple's PassKit web service (the card's token)",
    "wallet:apple-serials": "Apple's PassKit web service (a device's changed cards)",
    "wallet:apple-pass": "Apple's PassKit web service (the card's token)",
    "wallet:apple-log": "Apple's PassKit web service (devices' logs, POST only)",
    "wallet:add": "a guest's signed link, not a staff page",
    "wallet:add-apple": "a guest's signed link (a .pkpass download)",
    "wallet:add-google": "a guest's signed link (a redirect to Google)",
    "messaging:template-preview": "POST-only (the htmx preview of the template page)",
    "billing:checkout-start": "POST-only action",
    "billing:plan-change": "POST-only action",
    "billing:subscription-cancel": "POST-only action",
    "billing:portal-open": "POST-only action",
    "onboarding:checklist-dismiss": "POST-only action",
    "auth-api:login": "POST-only action",
    "auth-api:refresh": "POST-only action",
    "auth-api:logout": "logout",
    "guests-api:guest-export": "file download streaming every guest (the API's export)",
    "guests-api:guest-import": "POST-only action",
    "guests-api:guest-block": "POST-only action",
    "guests-api:guest-merge": "POST-only action",
    "guests-api:guest-merge-undo": "POST-only action",
    "guests:merge-undo": "POST-only action",
    "guests:duplicates-scan": "POST-only action (the bench runs the scan itself, timed, before the walk)",
    "guests:guest-merge": "compares a pair of duplicates the seeded chain may not have; the duplicates page is measured",
    "fraud:flag-detail": "a flag the seeded chain may not have (its rules run in a worker); the queue is measured",
    "fraud:flag-dismiss": "POST-only action",
    "receipt-claims:claim-detail": "a claim the seeded chain may not have; the list is measured",
    "receipt-claims:claim-match": "POST-only action",
    "receipt-claims:claim-reject": "POST-only action",
    "pos-api:receipt-claim-detail": "a claim the seeded chain may not have; the list is measured",
    "pos-api:receipt-claim-match": "POST-only action",
    "pos-api:receipt-claim-reject": "POST-only action",
    "guests-api:guest-wallet-link": "POST-only action (sends a message)",
    "fraud:flag-freeze": "POST-only action",
    "fraud:flag-unfreeze": "POST-only action",
    "fraud:flag-reverse": "POST-only action",
    "fraud-api:flag-dismiss": "POST-only action",
    "fraud-api:flag-freeze": "POST-only action",
    "guests-api:guest-unblock": "POST-only action",
    "loyalty-api:guest-accrue": "POST-only action",
    "loyalty-api:guest-redeem": "POST-only action",
    "loyalty-api:guest-adjust": "POST-only action",
    "loyalty-api:guest-check": "POST-only action",
    "loyalty-api:transaction-reverse": "POST-only action",
    "loyalty-api:quote": "POST-only action",
    "loyalty-api:draft-create": "POST-only action",
    "loyalty-api:draft-publish": "POST-only action",
    "loyalty-api:backtest-create": "POST-only action",
    "loyalty-api:promo-code-detail": "DELETE-only (no GET)",
    "telegram_bot-api:mini-app-profile": "needs a Telegram Mini App's signed initData, not a staff session",
    "telegram_bot-api:mini-app-history": "needs a Telegram Mini App's signed initData, not a staff session",
    "telegram_bot-api:mini-app-promos": "needs a Telegram Mini App's signed initData, not a staff session",
    "telegram_bot-api:mini-app-restaurants": "needs a Telegram Mini App's signed initData, not a staff session",
    "telegram_bot-api:mini-app-receipt-claims": "needs a Telegram Mini App's signed initData, not a staff session",
    "^api/": "the JSON 404 of unknown API paths, not a page",
}


@dataclass(frozen=True)
class Rows:
    """Real rows of the chain that detail pages name, and values the searches and filters use."""

    restaurant_id: int
    connection_id: int
    receipt_id: int
    receipt_external_id: str
    guest_id: int
    guest_phone: str
    guest_name_typo: str
    level_id: int | None
    promo_id: int | None
    membership_id: int
    invitation_id: int | None
    broadcast_id: int | None
    segment_id: int | None
    campaign_id: int | None
    job_id: int | None
    export_ids: dict[str, int]  # per role: an export is only its creator's to see
    today: datetime.date
    draft_id: int | None = None
    backtest_id: int | None = None

    @property
    def month_ago(self) -> datetime.date:
        return self.today - datetime.timedelta(days=30)

    @property
    def period_start(self) -> datetime.date:
        """The first day the analytics filter form shows (analytics.selectors.DEFAULT_DAYS): what it sends when the
        viewer only picks a restaurant."""
        return self.today - datetime.timedelta(days=29)

    @property
    def long_ago(self) -> datetime.date:
        return self.today - datetime.timedelta(days=330)


@dataclass(frozen=True)
class PageRequest:
    url_name: str
    label: str
    path: str
    is_download: bool = False


def _url(name: str, *args: object, **query: object) -> str:
    from django.urls import reverse

    path = reverse(name, urlconf=TENANT_URLCONF, args=args)
    return f"{path}?{urlencode(query)}" if query else path


def _first(name: str, *args: object) -> list[PageRequest]:
    return [PageRequest(name, "first page", _url(name, *args))]


def _guest_list(name: str, rows: Rows) -> list[PageRequest]:
    return [
        *_first(name),
        PageRequest(name, "search: name with a typo", _url(name, q=rows.guest_name_typo)),
        PageRequest(name, "search: whole phone", _url(name, q=rows.guest_phone)),
        PageRequest(
            name,
            "filter: visited in the last 30 days, home restaurant",
            _url(name, last_visit_from=rows.month_ago.isoformat(), home_restaurant=rows.restaurant_id),
        ),
    ]


def _receipt_api(rows: Rows) -> list[PageRequest]:
    name = "pos-api:receipt-list"
    month_ago = datetime.datetime.combine(rows.month_ago, datetime.time(), tzinfo=datetime.UTC).isoformat()
    long_ago = datetime.datetime.combine(rows.long_ago, datetime.time(), tzinfo=datetime.UTC).isoformat()
    return [
        *_first(name),
        PageRequest(name, "search: external id", _url(name, external_id=rows.receipt_external_id)),
        PageRequest(
            name,
            "filter: last 30 days, a restaurant",
            _url(name, received_from=month_ago, restaurant=rows.restaurant_id),
        ),
        PageRequest(name, "filter: far in the past (330 days ago)", _url(name, received_to=long_ago)),
    ]


def _audit(rows: Rows) -> list[PageRequest]:
    name = "audit:list"
    return [
        *_first(name),
        PageRequest(
            name, "filter: last 30 days", _url(name, since=rows.month_ago.isoformat(), until=rows.today.isoformat())
        ),
        PageRequest(name, "filter: an action", _url(name, action="points.")),
        PageRequest(
            name, "filter: far in the past (one day 330 days ago)", _url(name, since=rows.long_ago, until=rows.long_ago)
        ),
    ]


def _period(name: str, rows: Rows, *args: object, is_download: bool = False) -> list[PageRequest]:
    return [
        PageRequest(name, "default period", _url(name, *args), is_download),
        PageRequest(
            name,
            "last 30 days, a restaurant",
            _url(
                name,
                *args,
                start=rows.period_start.isoformat(),
                end=rows.today.isoformat(),
                restaurant=rows.restaurant_id,
            ),
            is_download,
        ),
    ]


def _optional(name: str, value: int | None, *more: object) -> list[PageRequest]:
    return [] if value is None else _first(name, value, *more)


Plan = Callable[[Rows, str], list[PageRequest]]


def _simple(name: str) -> tuple[str, Plan]:
    return name, lambda rows, role: _first(name)


# How each requested URL of the chain's URL map is requested (in URL-map order: the cashier's search comes before
# the guest it finds, which is how staff limited to a restaurant reach a guest at the till).
PLANS: dict[str, Plan] = dict(
    [
        _simple("pos-api:connection-list"),
        ("pos-api:connection-detail", lambda rows, role: _first("pos-api:connection-detail", rows.connection_id)),
        ("pos-api:sync-run-list", lambda rows, role: _first("pos-api:sync-run-list", rows.connection_id)),
        ("pos-api:receipt-list", lambda rows, role: _receipt_api(rows)),
        ("pos-api:receipt-detail", lambda rows, role: _first("pos-api:receipt-detail", rows.receipt_id)),
        _simple("pos-api:rejected-attempt-list"),
        _simple("pos-api:receipt-claim-list"),
        _simple("home"),
        _simple("accounts:login"),
        _simple("accounts:chain-chooser"),
        _simple("accounts:sessions"),
        _simple("accounts:password-change"),
        _simple("accounts:password-change-done"),
        _simple("accounts:password-reset"),
        _simple("accounts:password-reset-sent"),
        (
            "accounts:password-reset-confirm",
            lambda rows, role: _first("accounts:password-reset-confirm", "MQ", "set-password"),
        ),
        _simple("accounts:password-reset-complete"),
        ("analytics:dashboard", lambda rows, role: _period("analytics:dashboard", rows)),
        _simple("analytics:liability"),
        ("analytics:analytics", lambda rows, role: _period("analytics:analytics", rows)),
        (
            "analytics:metric-export",
            lambda rows, role: _period("analytics:metric-export", rows, "summary", is_download=True),
        ),
        (
            "analytics:liability-statement",
            lambda rows, role: [
                PageRequest(
                    "analytics:liability-statement", "last 12 months", _url("analytics:liability-statement"), True
                )
            ],
        ),
        ("analytics:report", lambda rows, role: _period("analytics:report", rows, is_download=True)),
        _simple("pos:cashier"),
        (
            "pos:cashier-find",
            lambda rows, role: [
                PageRequest("pos:cashier-find", "search: whole phone", _url("pos:cashier-find", q=rows.guest_phone)),
                PageRequest(
                    "pos:cashier-find", "search: name with a typo", _url("pos:cashier-find", q=rows.guest_name_typo)
                ),
            ],
        ),
        _simple("pos:cashier-shift"),
        ("pos:cashier-guest", lambda rows, role: _first("pos:cashier-guest", rows.guest_id)),
        _simple("restaurants:create"),
        ("restaurants:edit", lambda rows, role: _first("restaurants:edit", rows.restaurant_id)),
        ("restaurants:delete", lambda rows, role: _first("restaurants:delete", rows.restaurant_id)),  # confirmation
        _simple("restaurants:list"),
        ("restaurants:detail", lambda rows, role: _first("restaurants:detail", rows.restaurant_id)),
        (
            "restaurants:connection-detail",
            lambda rows, role: _first("restaurants:connection-detail", rows.restaurant_id, rows.connection_id),
        ),
        (
            "restaurants:connection-checks",
            lambda rows, role: _first("restaurants:connection-checks", rows.restaurant_id, rows.connection_id),
        ),
        ("guests:guest-list", lambda rows, role: _guest_list("guests:guest-list", rows)),
        (
            "accounts:quick-search",
            lambda rows, role: [
                PageRequest(
                    "accounts:quick-search",
                    "search: name with a typo",
                    _url("accounts:quick-search", quick=rows.guest_name_typo),
                ),
                PageRequest(
                    "accounts:quick-search",
                    "search: a check's POS id",
                    _url("accounts:quick-search", quick=rows.receipt_external_id),
                ),
            ],
        ),
        (
            "guests:export-job",
            lambda rows, role: _optional("guests:export-job", rows.export_ids.get(role)),
        ),
        _simple("guests:import"),
        _simple("guests:duplicates"),
        _simple("fraud:flag-list"),
        _simple("receipt-claims:claim-list"),
        _simple("fraud:settings"),
        _simple("fraud-api:flag-list"),
        ("guests:import-job", lambda rows, role: _optional("guests:import-job", rows.job_id)),
        ("guests:guest-detail", lambda rows, role: _first("guests:guest-detail", rows.guest_id)),
        ("guests:guest-edit", lambda rows, role: _first("guests:guest-edit", rows.guest_id)),
        ("guests:guest-erase", lambda rows, role: _first("guests:guest-erase", rows.guest_id)),
        _simple("loyalty:settings"),
        (
            "loyalty:preview",
            lambda rows, role: [
                PageRequest("loyalty:preview", "a check of 2,500", _url("loyalty:preview", amount="2500"))
            ],
        ),
        _simple("loyalty:level-list"),
        _simple("loyalty:level-create"),
        ("loyalty:level-edit", lambda rows, role: _optional("loyalty:level-edit", rows.level_id)),
        ("loyalty:level-delete", lambda rows, role: _optional("loyalty:level-delete", rows.level_id)),
        _simple("loyalty:promo-list"),
        _simple("loyalty:promo-create"),
        ("loyalty:promo-edit", lambda rows, role: _optional("loyalty:promo-edit", rows.promo_id)),
        ("loyalty:promo-delete", lambda rows, role: _optional("loyalty:promo-delete", rows.promo_id)),
        _simple("loyalty:draft-list"),
        ("loyalty:draft-edit", lambda rows, role: _optional("loyalty:draft-edit", rows.draft_id)),
        ("loyalty:backtest-detail", lambda rows, role: _optional("loyalty:backtest-detail", rows.backtest_id)),
        _simple("campaigns:segment-list"),
        _simple("campaigns:segment-create"),
        (
            "campaigns:segment-preview",
            lambda rows, role: [
                PageRequest(
                    "campaigns:segment-preview",
                    "regulars of the last 90 days",
                    _url("campaigns:segment-preview", visits_days=90, visits_min=2, reachable_channels="telegram"),
                )
            ],
        ),
        ("campaigns:segment-edit", lambda rows, role: _optional("campaigns:segment-edit", rows.segment_id)),
        ("campaigns:segment-count", lambda rows, role: _optional("campaigns:segment-count", rows.segment_id)),
        _simple("campaigns-pages:campaign-list"),
        _simple("campaigns-pages:campaign-create"),
        (
            "campaigns-pages:campaign-preview",
            lambda rows, role: [
                PageRequest(
                    "campaigns-pages:campaign-preview",
                    "a text with a variable",
                    _url("campaigns-pages:campaign-preview", email_text="Hi {{ first_name }}"),
                )
            ],
        ),
        *(
            (name, lambda rows, role, name=name: _optional(name, rows.campaign_id))
            for name in (
                "campaigns-pages:campaign-detail",
                "campaigns-pages:campaign-edit",
                "campaigns-pages:campaign-progress",
                "campaigns-api:campaign-detail",
                "campaigns-api:campaign-results",
            )
        ),
        _simple("campaigns-api:campaign-list"),
        ("campaigns:segment-delete", lambda rows, role: _optional("campaigns:segment-delete", rows.segment_id)),
        _simple("campaigns-api:segment-list"),
        ("campaigns-api:segment-detail", lambda rows, role: _optional("campaigns-api:segment-detail", rows.segment_id)),
        (
            "campaigns-api:segment-preview",
            lambda rows, role: _optional("campaigns-api:segment-preview", rows.segment_id),
        ),
        _simple("staff:list"),
        _simple("staff:invite"),
        ("staff:edit", lambda rows, role: _first("staff:edit", rows.membership_id)),
        _simple("telegram-settings:bot"),
        _simple("telegram-settings:staff-link"),
        _simple("messaging:settings"),
        _simple("feedback:settings"),
        _simple("feedback-api:rating-list"),
        _simple("messaging:template-list"),
        _simple("automations:automation-list"),
        ("messaging:template-edit", lambda rows, role: _first("messaging:template-edit", "receipt", "ru")),
        (
            "messaging-api:message-template-detail",
            lambda rows, role: _first("messaging-api:message-template-detail", "receipt", "ru"),
        ),
        ("messaging:sms-cost", lambda rows, role: _first("messaging:sms-cost")),
        _simple("telegram-settings:broadcast-list"),
        (
            "telegram-settings:broadcast-detail",
            lambda rows, role: _optional("telegram-settings:broadcast-detail", rows.broadcast_id),
        ),
        _simple("settings:profile"),
        _simple("settings:sample-data"),
        _simple("telegram:mini-app"),
        ("audit:list", lambda rows, role: _audit(rows)),
        (
            "audit:export",
            lambda rows, role: [
                PageRequest(
                    "audit:export",
                    "last 30 days",
                    _url("audit:export", since=rows.month_ago.isoformat(), until=rows.today.isoformat()),
                    is_download=True,
                )
            ],
        ),
        _simple("billing:overview"),
        _simple("onboarding:checklist"),
        _simple("set_language"),  # a GET changes nothing and redirects back
        _simple("auth-api:me"),
        ("guests-api:guest-list", lambda rows, role: _guest_list("guests-api:guest-list", rows)),
        _simple("guests-api:guest-duplicates"),
        (
            "guests-api:guest-lookup",
            lambda rows, role: [
                PageRequest(
                    "guests-api:guest-lookup", "by phone", _url("guests-api:guest-lookup", phone=rows.guest_phone)
                )
            ],
        ),
        ("guests-api:guest-import-status", lambda rows, role: _optional("guests-api:guest-import-status", rows.job_id)),
        ("guests-api:guest-detail", lambda rows, role: _first("guests-api:guest-detail", rows.guest_id)),
        ("guests-api:guest-visits", lambda rows, role: _first("guests-api:guest-visits", rows.guest_id)),
        ("guests-api:guest-wallet", lambda rows, role: _first("guests-api:guest-wallet", rows.guest_id)),
        ("loyalty-api:guest-transactions", lambda rows, role: _first("loyalty-api:guest-transactions", rows.guest_id)),
        ("loyalty-api:guest-balance", lambda rows, role: _first("loyalty-api:guest-balance", rows.guest_id)),
        _simple("loyalty-api:level-list"),
        ("loyalty-api:level-detail", lambda rows, role: _optional("loyalty-api:level-detail", rows.level_id)),
        _simple("loyalty-api:promo-list"),
        ("loyalty-api:promo-detail", lambda rows, role: _optional("loyalty-api:promo-detail", rows.promo_id)),
        ("loyalty-api:draft-detail", lambda rows, role: _optional("loyalty-api:draft-detail", rows.draft_id)),
        (
            "loyalty-api:backtest-detail",
            lambda rows, role: _optional("loyalty-api:backtest-detail", rows.backtest_id),
        ),
        ("loyalty-api:promo-code-list", lambda rows, role: _optional("loyalty-api:promo-code-list", rows.promo_id)),
        _simple("loyalty-api:program"),
        _simple("restaurants-api:restaurant-list"),
        (
            "restaurants-api:restaurant-detail",
            lambda rows, role: _first("restaurants-api:restaurant-detail", rows.restaurant_id),
        ),
        _simple("analytics-api:liability"),
        _simple("analytics-api:liability-statement"),
        _simple("api-schema"),
        _simple("api-docs"),
    ]
)


# --- the URL map ---------------------------------------------------------------------------------------------


def tenant_url_names(urlconf: str = TENANT_URLCONF) -> list[str]:
    """Every URL pattern of the chain's URL map by its namespaced name (the route when it has none), in order."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: list[str] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if pattern.name:
                    names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    names.append(f"{namespace}:{route}" if namespace else route)

    walk(get_resolver(urlconf), "", "")
    return names


def page_requests(rows: Rows, role: str) -> list[PageRequest]:
    """What a role requests: every planned URL of the map, in map order; a URL in neither table is an error."""
    requests: list[PageRequest] = []
    for name in dict.fromkeys(tenant_url_names()):
        if name in SKIPPED:
            continue
        if name not in PLANS:
            raise SystemExit(f"{name}: a URL of the chain's map neither in PLANS nor in SKIPPED of bench.page_budget")
        requests.extend(PLANS[name](rows, role))
    return requests


# --- seeding -------------------------------------------------------------------------------------------------


def _defaults(model: Any, connection: Any) -> dict[str, Any]:
    """Each concrete column's model default (auto_now ones: now), ready as a query parameter."""
    from django.utils import timezone

    sample = model()
    values: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        auto = getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
        value = timezone.now() if auto else getattr(sample, model_field.attname)
        values[model_field.column] = model_field.get_db_prep_save(value, connection)
    return values


def insert_series(model: Any, target: int, expressions: dict[str, tuple[str, list[Any]]], label: str) -> None:
    """Rows n = count+1 … target into the model's table by INSERT … SELECT FROM generate_series (n is the series);
    columns without an expression get the model default. Batches of SEED_BATCH rows, each committed."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        done = cursor.fetchone()[0]
        if done >= target:
            return
        columns, selects, params = [], [], []
        for column, default in _defaults(model, connection).items():
            sql, values = expressions.get(column, ("%s", [default]))
            columns.append(f'"{column}"')
            selects.append(sql)
            params.extend(values)
        statement = (
            f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(selects)} '
            "FROM generate_series(%s::bigint, %s::bigint) AS n ON CONFLICT DO NOTHING"
        )
        for first in range(done + 1, target + 1, SEED_BATCH):
            last = min(first + SEED_BATCH - 1, target)
            cursor.execute(statement, [*params, first, last])
            print(f"  {label}: {last:,} / {target:,}", flush=True)
        cursor.execute(f'ANALYZE "{table}"')


def _year_ago(minutes_from: str = "n") -> str:
    """A time within the last year, spread by a hash of the series number."""
    return f"now() - ((({minutes_from} * 7919) %% 525600) * interval '1 minute')"


def backfill_guest_visits() -> None:
    """What recording a visit keeps (the guest's first and last visit, the home restaurant: the first one visited;
    the restaurants each guest has visited, which the restricted roles see by) for guests whose visits were seeded
    bare (bench.dashboard), so the list's filters and the managers' and cashiers' scope find them; once."""
    from django.db import connection

    from guests.models import Guest, RestaurantGuest, Visit

    guests, visits, visited = Guest._meta.db_table, Visit._meta.db_table, RestaurantGuest._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE "{guests}" g SET first_visit_at = v.first_at, last_visit_at = v.last_at,
                home_restaurant_id = coalesce(g.home_restaurant_id, v.first_restaurant_id)
            FROM (SELECT guest_id, min(visited_at) AS first_at, max(visited_at) AS last_at,
                         (array_agg(restaurant_id ORDER BY visited_at))[1] AS first_restaurant_id
                  FROM "{visits}" GROUP BY guest_id) v
            WHERE g.id = v.guest_id AND g.last_visit_at IS NULL
            """
        )
        if cursor.rowcount:
            print(f"  guests: first and last visit and home restaurant set for {cursor.rowcount:,}", flush=True)
            # Every guest row was rewritten: vacuum as autovacuum would afterwards (a million dead versions doubled
            # what the name search's index scans visit until it did; 7 Dec's runs were made after it had).
            cursor.execute(f'VACUUM (ANALYZE) "{guests}"')
        cursor.execute(
            f"""
            INSERT INTO "{visited}" (guest_id, restaurant_id, first_visited_at)
            SELECT guest_id, restaurant_id, min(visited_at) FROM "{visits}" WHERE restaurant_id IS NOT NULL
            GROUP BY 1, 2 ON CONFLICT (guest_id, restaurant_id) DO NOTHING
            """
        )
        if cursor.rowcount:
            print(f"  guests: {cursor.rowcount:,} (guest, restaurant visited) pairs recorded", flush=True)
            cursor.execute(f'VACUUM (ANALYZE) "{visited}"')  # its visibility map: the scope probes read the index only


def ensure_connections(owner: Any, restaurant_ids: list[int]) -> list[int]:
    """One webhook POS connection per restaurant (pos.services), created once."""
    from pos.models import PosConnection, PosKind
    from pos.services.connections import create_connection
    from restaurants.models import Restaurant

    ids = []
    for restaurant in Restaurant.objects.filter(pk__in=restaurant_ids).order_by("id"):
        found = PosConnection.objects.filter(restaurant=restaurant, name="bench").first()
        if found is None:
            found, _secrets = create_connection(actor=owner, restaurant=restaurant, kind=PosKind.WEBHOOK, name="bench")
        ids.append(found.pk)
    return ids


def seed_receipts(target: int, restaurant_ids: list[int], connection_ids: list[int]) -> None:
    from django.db import connection

    from pos.models import Receipt

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM guests_guest")
        first_guest, last_guest, guests = cursor.fetchone()
    contiguous = guests and last_guest - first_guest + 1 == guests
    guest_sql = (
        ("CASE WHEN n %% 5 = 0 THEN NULL ELSE %s + (n * 7919) %% %s END", [first_guest, guests])
        if contiguous
        else ("NULL", [])
    )
    received = _year_ago()
    count = len(restaurant_ids)
    insert_series(
        Receipt,
        target,
        {
            "connection_id": ("(%s::bigint[])[1 + n %% %s]", [connection_ids, count]),
            "restaurant_id": ("(%s::bigint[])[1 + n %% %s]", [restaurant_ids, count]),
            "external_id": ("'bench-' || n", []),
            "operation": ("'sale'", []),
            "status": ("'processed'", []),
            "source": ("'webhook'", []),
            "opened_at": (f"{received} - interval '40 minutes'", []),
            "closed_at": (received, []),
            "received_at": (received, []),
            "processed_at": (received, []),
            "total_amount": ("500 + (n * 31) %% 5000", []),
            "currency": ("'RUB'", []),
            "guest_id": guest_sql,
            "points_earned": ("CASE WHEN n %% 5 = 0 THEN 0 ELSE 25 END", []),
            "outcome_reason": ("CASE WHEN n %% 5 = 0 THEN 'guest_not_found' ELSE 'accrued' END", []),
        },
        "receipts",
    )


def seed_audit(target: int, restaurant_ids: list[int], actors: list[tuple[int, str]]) -> None:
    from audit.models import AuditEntry

    actor_ids = [actor_id for actor_id, _label in actors]
    labels = [label for _actor_id, label in actors]
    choices = len(actors) + 1  # the last choice: the system itself
    pick = f"1 + (n * 13) %% {choices}"
    insert_series(
        AuditEntry,
        target,
        {
            "created_at": (_year_ago(), []),
            "actor_id": (f"(%s::bigint[])[{pick}]", [actor_ids]),
            "actor_label": (f"coalesce((%s::text[])[{pick}], 'system')", [labels]),
            "action": ("(%s::text[])[1 + (n * 7) %% %s]", [list(AUDIT_ACTIONS), len(AUDIT_ACTIONS)]),
            "object_type": ("'guest'", []),
            "object_id": ("(n %% 100000)::text", []),
            "object_repr": ("'Guest' || (n %% 100000)", []),
            "restaurant_id": ("(%s::bigint[])[1 + n %% %s]", [restaurant_ids, len(restaurant_ids)]),
        },
        "audit entries",
    )


def ensure_staff(chain: Any, restaurant_id: int) -> dict[str, Any]:
    """The chain's owner, and a manager and a cashier of one restaurant, made as the test fixtures make them."""
    from accounts.models import Membership, Role, User
    from accounts.services import grant_membership
    from restaurants.models import Restaurant

    owner = Membership.objects.filter(chain_id=chain.id, role=Role.OWNER).select_related("user").first().user
    users = {"owner": owner}
    restaurant = Restaurant.objects.get(pk=restaurant_id)
    for role in (Role.MANAGER, Role.CASHIER):
        email = f"{role}@{chain.slug}.test"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, uuid.uuid4().hex, full_name=f"Bench {role}")
            grant_membership(user=user, chain_id=chain.id, role=role, restaurants=[restaurant], actor=owner)
        users[str(role)] = user
    return users


def ensure_detail_rows(chain: Any, users: dict[str, Any], restaurant_id: int) -> dict[str, Any]:
    """A level, a promo with a code, an invitation, a broadcast, a segment, an import job and an export per role: the rows
    that detail pages name, through the services where one exists; created once."""
    from decimal import Decimal

    from accounts.access import resolve_access
    from accounts.invitations import invite_staff
    from accounts.models import Role, StaffInvitation
    from campaigns.models import Campaign, Segment
    from campaigns.services import create_campaign, create_segment
    from guests.models import GuestExport, ImportJob, ImportStatus
    from loyalty.models import Backtest, BacktestStatus, Level, ProgramDraft, Promo, PromoCode
    from loyalty.services import create_draft, create_level, create_promo, create_promo_code
    from maxloyalty.errors import DomainError
    from restaurants.models import Restaurant
    from telegram_bot.models import Broadcast
    from telegram_bot.services.broadcasts import create_broadcast

    owner = users["owner"]
    level = Level.objects.order_by("id").first() or create_level(
        actor=owner, name="Bench gold", threshold_amount=Decimal(50000), earn_rate_percent=Decimal(7)
    )
    promo = Promo.objects.order_by("id").first() or create_promo(
        actor=owner, name="Bench Tuesday", multiplier=Decimal(2), weekdays=[2]
    )
    if not PromoCode.objects.filter(promo=promo).exists():
        create_promo_code(promo=promo, code="BENCHCODE", actor=owner)
    invitation = StaffInvitation.objects.order_by("id").first() or invite_staff(
        chain=chain,
        email=f"invitee@{chain.slug}.test",
        full_name="Bench invitee",
        role=Role.CASHIER,
        restaurants=Restaurant.objects.filter(pk=restaurant_id),
        actor=owner,
        actor_role=Role.OWNER,
    )
    broadcast = Broadcast.objects.order_by("id").first()
    if broadcast is None:
        try:
            broadcast = create_broadcast(
                actor=owner,
                text="Bench news",
                send_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3650),
            )
        except DomainError as error:  # e.g. the plan's message limit at full scale: the page is then not requested
            print(f"  no broadcast ({error.__class__.__name__}): its page is not requested")
    segment = Segment.objects.order_by("id").first() or create_segment(
        access=resolve_access(owner, chain.id),
        name="Bench regulars",
        filters={"visits_days": 90, "visits_min": 2, "reachable_channels": ["telegram", "email"]},
    )
    campaign = Campaign.objects.order_by("id").first() or create_campaign(
        access=resolve_access(owner, chain.id),
        name="Bench comeback",
        segment=segment.pk,
        channels=["telegram", "email"],
        telegram_text="We miss you, {{ first_name }}",
        email_subject="We miss you",
        email_text="Come back, {{ first_name }}: {{ points }} points are waiting.",
    )
    # An import that has run, as the access matrix makes its export: start_import_job would queue a task that a later
    # benchmark's worker would run in this chain.
    job = ImportJob.objects.order_by("id").first() or ImportJob.objects.create(
        file_name="bench.csv", created_by=owner, status=ImportStatus.DONE, total=1, processed=1, updated=1
    )
    # A draft and a finished (empty) backtest of it: start_backtest would queue a replay that a later benchmark's
    # worker would run in this chain.
    draft = ProgramDraft.objects.order_by("id").first() or create_draft(actor=owner, name="Bench draft")
    now = datetime.datetime.now(datetime.UTC)
    backtest = Backtest.objects.order_by("id").first() or Backtest.objects.create(
        draft=draft,
        days=30,
        period_start=now - datetime.timedelta(days=30),
        period_end=now,
        status=BacktestStatus.DONE,
        draft_data=draft.data,
    )
    exports = {}
    for role, user in users.items():  # an export is its creator's alone; the row as the access matrix makes it
        export = GuestExport.objects.filter(created_by=user).first()
        exports[role] = export or GuestExport.objects.create(created_by=user, file_format="csv")
    return {
        "level_id": level.pk,
        "promo_id": promo.pk,
        "invitation_id": invitation.pk,
        "broadcast_id": broadcast.pk if broadcast else None,
        "segment_id": segment.pk,
        "campaign_id": campaign.pk,
        "job_id": job.pk,
        "export_ids": {role: export.pk for role, export in exports.items()},
        "draft_id": draft.pk,
        "backtest_id": backtest.pk,
    }


def find_rows(chain: Any, users: dict[str, Any], restaurant_id: int, details: dict[str, Any]) -> Rows:
    """A guest who visited the restaurant (so its manager and cashier may see them), with ledger entries, and a
    receipt of the restaurant's connection."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from accounts.models import Membership
    from guests.models import Guest, Visit
    from pos.models import Receipt

    visited = Visit.objects.filter(guest=OuterRef("pk"), restaurant_id=restaurant_id)
    guest = Guest.objects.filter(Exists(visited)).order_by("id").first() or Guest.objects.order_by("id").first()
    receipt = Receipt.objects.filter(restaurant_id=restaurant_id).order_by("-received_at").first()
    name = guest.first_name or "Guest"
    typo = name[:2] + name[3] + name[2] + name[4:] if len(name) > 4 else name + "x"  # two letters swapped
    return Rows(
        restaurant_id=restaurant_id,
        connection_id=receipt.connection_id,
        receipt_id=receipt.pk,
        receipt_external_id=receipt.external_id,
        guest_id=guest.pk,
        guest_phone=guest.phone,
        guest_name_typo=typo,
        membership_id=Membership.objects.get(user=users["cashier"], chain_id=chain.id).pk,
        today=timezone.localdate(),
        **details,
    )


# --- measuring -----------------------------------------------------------------------------------------------


NEXT_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>\s*(?:→|&rarr;)\s*</a>|<a\s[^>]*rel="next"[^>]*href="([^"]*)"')


def next_link(path: str, response: Any) -> str | None:
    """The next page's path of a list: the API's `next`, or a page's → (or rel="next") link."""
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        try:
            body = json.loads(response.content)
        except ValueError:
            return None
        target = body.get("next") if isinstance(body, dict) else None
        if not target:
            return None
        parts = urlsplit(target)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    if "html" not in content_type:
        return None
    found = NEXT_LINK.search(response.content.decode(errors="replace"))
    if found is None:
        return None
    return urljoin(path, html.unescape(found.group(1) or found.group(2)))


@dataclass
class Measured:
    request: PageRequest
    role: str
    status: int
    cold_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    queries: int = 0
    location: str = ""

    @property
    def is_timed(self) -> bool:
        return self.status == 200


def _read(response: Any) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def _timed_get(client: Any, path: str) -> tuple[Any, float]:
    began = time.perf_counter_ns()
    response = client.get(path)
    _read(response)
    return response, (time.perf_counter_ns() - began) / 1e6


def _go_cold(reconnect: bool) -> None:
    """Forget the chain's cached analytics and segment readings; with reconnect, close the database connection too
    (the next request opens a new one: a new PostgreSQL backend with empty catalog and plan caches)."""
    from django.core.cache import cache
    from django.db import connection

    from bench.dashboard import _forget_cached_analytics

    _forget_cached_analytics()
    cache.delete_pattern("segments:*")  # campaigns.selectors.segment_evaluation's, this chain's only
    if reconnect:
        connection.close()


def measure(
    client: Any, request: PageRequest, role: str, *, cold_runs: int, warm_runs: int, reconnect: bool = True
) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _go_cold(reconnect)
    response, first_ms = _timed_get(client, request.path)
    location = urlsplit(response.get("Location", "")).path  # without a query: sign-in tokens stay out of the log
    result = Measured(request, role, response.status_code, location=location)
    if response.status_code != 200:
        return result
    result.cold_ms.append(first_ms)
    with CaptureQueriesContext(connection) as queries:
        warm_ms = _timed_get(client, request.path)[1]
    result.queries = len(queries)
    if warm_ms > COLD_BUDGET_MS:  # far over budget (a full-scale run): fewer samples, so the walk ends in time
        cold_runs, warm_runs = min(cold_runs, SLOW_RUNS), min(warm_runs, SLOW_RUNS)
    for _ in range(cold_runs - 1):
        _go_cold(reconnect)
        result.cold_ms.append(_timed_get(client, request.path)[1])
    result.warm_ms = [_timed_get(client, request.path)[1] for _ in range(warm_runs)]
    return result


def deep_request(client: Any, request: PageRequest, hops: int) -> PageRequest | None:
    """The page reached by following the list's next link `hops` times (None when the first page has none)."""
    path, followed = request.path, 0
    stop_at = time.monotonic() + DEEP_SECONDS
    while followed < hops and time.monotonic() < stop_at:
        response = client.get(path)
        if response.status_code != 200:
            break
        following = next_link(path, response)
        if following is None:
            break
        path, followed = following, followed + 1
    if followed == 0:
        return None
    return PageRequest(request.url_name, f"{request.label}, deep: next × {followed}", path, request.is_download)


def walk(
    clients: dict[str, Any],
    rows: Rows,
    *,
    cold_runs: int,
    warm_runs: int,
    hops: int,
    reconnect: bool = True,
    quiet: bool = False,
) -> list[Measured]:
    """Every role requests every planned page (and the deep page of each list whose first page has a next link).
    drf-spectacular prints its schema warnings to stderr on each schema request: they are dropped here."""
    measured: list[Measured] = []

    def timed(client: Any, request: PageRequest, role: str) -> Measured:
        with contextlib.redirect_stderr(io.StringIO()):
            return measure(client, request, role, cold_runs=cold_runs, warm_runs=warm_runs, reconnect=reconnect)

    for role, client in clients.items():
        for request in page_requests(rows, role):
            result = timed(client, request, role)
            measured.append(result)
            if not quiet:
                summary = f"{percentile(result.warm_ms, 0.95):.1f} ms" if result.is_timed else result.location
                print(f"  {role:8} {result.status} {request.url_name} ({request.label}) {summary}", flush=True)
            if result.is_timed and request.label in ("first page", "filter: last 30 days"):
                deep = deep_request(client, request, hops)
                if deep is not None:
                    measured.append(timed(client, deep, role))
    return measured


def trivial_p95(client: Any, runs: int) -> float:
    from django.test import override_settings

    with override_settings(ROOT_URLCONF="bench.urls"):
        for _ in range(20):
            client.get("/bench/trivial")
        samples = [_timed_get(client, "/bench/trivial")[1] for _ in range(runs)]
    return percentile(samples, 0.95)


def signed_in_clients(chain: Any, users: dict[str, Any], restaurant_id: int) -> dict[str, Any]:
    """A signed-in browser per role (Russian, the default language) that chose the restaurant at the till, as staff
    do before the till's pages answer (a role without the till is refused that choice: no matter)."""
    from django.conf import settings
    from django.test import Client

    clients = {}
    for role, user in users.items():
        client = Client(HTTP_HOST=chain.host)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.post(_url("pos:cashier-restaurant"), {"restaurant": restaurant_id})
        clients[role] = client
    return clients


def raised_throttle() -> Any:
    """The API's per-user throttle raised for the run (it still counts: only its refusals would spoil repeats)."""
    from django.conf import settings
    from django.test import override_settings

    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/min")
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates})


def report(measured: list[Measured], trivial_ms: float, title: str) -> tuple[list[Measured], list[Measured]]:
    """Print the table (timed ones by warm p95, worst first; then what was refused or failed); return the timed
    pages and the timed downloads."""
    timed = sorted((m for m in measured if m.is_timed), key=lambda m: -percentile(m.warm_ms, 0.95))
    rows = []
    for m in timed:
        warm95, cold95 = percentile(m.warm_ms, 0.95), percentile(m.cold_ms, 0.95)
        over = warm95 >= WARM_BUDGET_MS or cold95 >= COLD_BUDGET_MS
        kind = "download" if m.request.is_download else ("OVER" if over else "")
        rows.append(
            [
                f"{m.request.url_name} ({m.request.label})",
                m.role,
                f"{percentile(m.warm_ms, 0.5):.1f}",
                f"{warm95:.1f}",
                f"{percentile(m.cold_ms, 0.5):.1f}",
                f"{cold95:.1f}",
                str(m.queries),
                kind,
            ]
        )
    print_table(
        f"{title}; trivial view p95 {trivial_ms:.1f} ms; milliseconds, worst warm p95 first",
        rows,
        header=["page (variant)", "role", "warm p50", "warm p95", "cold p50", "cold p95", "queries", ""],
    )
    untimed = [m for m in measured if not m.is_timed]
    if untimed:
        print_table(
            "Not timed (refused, redirected or failed for the role)",
            [[f"{m.request.url_name} ({m.request.label})", m.role, str(m.status), m.location] for m in untimed],
            header=["page (variant)", "role", "status", "redirect to"],
        )
    print("\nSkipped (not requestable):")
    for name, reason in SKIPPED.items():
        print(f"  {name}: {reason}")
    return [m for m in timed if not m.request.is_download], [m for m in timed if m.request.is_download]


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from analytics.figure_snapshots import refresh_default_views
    from analytics.liability_snapshots import refresh_liability_snapshot
    from analytics.models import DailyRestaurantStats, LiabilitySnapshot
    from analytics.rollups import recompute_all
    from bench.dashboard import ensure_restaurants, seed_visits
    from guests.duplicate_scans import scan_for_duplicates
    from guests.models import DuplicateScan

    scale: Scale = SCALES[scale_name(requested_scale)]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    chain = bench_chain()
    with schema_context(chain.schema_name):
        began = time.monotonic()
        ensure_seeded(scale)
        restaurant_ids = ensure_restaurants()
        seed_visits(scale.guests, restaurant_ids)
        backfill_guest_visits()
        users = ensure_staff(chain, restaurant_ids[0])
        connection_ids = ensure_connections(users["owner"], restaurant_ids)
        seed_receipts(scale.guests * RECEIPTS_PER_GUEST, restaurant_ids, connection_ids)
        actors = [(user.pk, user.email) for user in users.values()]
        seed_audit(scale.guests * AUDIT_ENTRIES_PER_GUEST, restaurant_ids, actors)
        details = ensure_detail_rows(chain, users, restaurant_ids[0])
        rows = find_rows(chain, users, restaurant_ids[0], details)
        if not DailyRestaurantStats.objects.exists():  # bench.dashboard, run before, built them; alone: build now
            recompute_all()
        seeding_s = time.monotonic() - began
        # The liability page shows a snapshot computed in the background (analytics.liability_snapshots): compute
        # it as the nightly task does (a snapshot of the last day is reused), and report how long that took.
        snapshot = LiabilitySnapshot.objects.order_by("-computed_at").first()
        if snapshot is None or snapshot.computed_at < timezone.now() - datetime.timedelta(days=1):
            snapshot = refresh_liability_snapshot() or LiabilitySnapshot.objects.latest("computed_at")
        snapshot_s = snapshot.seconds
        print(f"Liability snapshot computed in {snapshot_s:.1f} s ({snapshot.computed_at:%Y-%m-%d %H:%M})", flush=True)
        # The duplicates page and API show the pairs of the last scan (guests.duplicate_scans): scan as the hourly
        # task does, timed, so the walk measures the pages and not the first look's scan.
        duplicate_scan = scan_for_duplicates() or DuplicateScan.objects.latest("finished_at")
        duplicate_scan_s = duplicate_scan.seconds
        print(f"Duplicate scan: {duplicate_scan.pairs} pairs in {duplicate_scan_s:.1f} s", flush=True)
        # The dashboard and the analytics page show stored figures (analytics.figure_snapshots) that the scheduled
        # roll-up computes for the default views: compute them as it does, timed.
        began_views = time.monotonic()
        views = refresh_default_views()
        print(f"Default views: {views} computed in {time.monotonic() - began_views:.1f} s", flush=True)
        counts = {}
        with connection.cursor() as cursor:
            for label, table in (
                ("guests", "guests_guest"),
                ("ledger entries", "loyalty_ledgerentry"),
                ("visits", "guests_visit"),
                ("receipts", "pos_receipt"),
                ("audit entries", "audit_auditentry"),
            ):
                counted_at = time.monotonic()
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[label] = cursor.fetchone()[0]
                if table == "loyalty_ledgerentry":
                    ledger_scan_s = time.monotonic() - counted_at  # the liability snapshot's baseline
    connection.set_schema_to_public()
    data = ", ".join(f"{count:,} {label}" for label, count in counts.items())
    print(f"Data: {data} (seeding and checks took {seeding_s:.0f} s)", flush=True)

    clients = signed_in_clients(chain, users, restaurant_ids[0])
    with raised_throttle(), schema_context(chain.schema_name):
        trivial_ms = trivial_p95(clients["owner"], TRIVIAL_RUNS)
        began = time.monotonic()
        measured = walk(clients, rows, cold_runs=COLD_RUNS, warm_runs=WARM_RUNS, hops=DEEP_HOPS)
        walk_s = time.monotonic() - began
    connection.set_schema_to_public()

    pages, downloads = report(measured, trivial_ms, f"Page budget ({scale.name}: {data}), walk {walk_s:.0f} s")
    worst_warm = max((percentile(m.warm_ms, 0.95) for m in pages), default=0.0)
    worst_cold = max((percentile(m.cold_ms, 0.95) for m in pages), default=0.0)
    over = [m for m in pages if percentile(m.warm_ms, 0.95) >= WARM_BUDGET_MS]
    over_cold = [m for m in pages if percentile(m.cold_ms, 0.95) >= COLD_BUDGET_MS]
    print(f"\nPages over the warm budget ({WARM_BUDGET_MS:.0f} ms p95): {len(over)}")
    for m in over:
        print(f"  {m.request.url_name} ({m.request.label}) as {m.role}: {percentile(m.warm_ms, 0.95):.1f} ms")
    print(f"Pages over the cold budget ({COLD_BUDGET_MS:.0f} ms p95): {len(over_cold)}")
    for m in over_cold:
        print(f"  {m.request.url_name} ({m.request.label}) as {m.role}: {percentile(m.cold_ms, 0.95):.1f} ms")
    slow_downloads = [m for m in downloads if percentile(m.warm_ms, 0.95) >= WARM_BUDGET_MS]
    print(f"Downloads (not in the figures) over {WARM_BUDGET_MS:.0f} ms warm: {len(slow_downloads)}")
    for m in slow_downloads:
        print(f"  {m.request.url_name} ({m.request.label}) as {m.role}: {percentile(m.warm_ms, 0.95):.1f} ms")

    def result(name: str, value: float) -> dict[str, Any]:
        return entry(name, value, "ms", baseline="django_trivial_p95_ms", baseline_value=trivial_ms, scale=scale.name)

    results = [result("pages_p95_ms", worst_warm), result("pages_cold_p95_ms", worst_cold)]
    results.append(
        entry(
            "liability_snapshot_s",
            snapshot_s,
            "s",
            baseline="ledger_count_s",
            baseline_value=ledger_scan_s,
            scale=scale.name,
        )
    )
    results.append(
        entry(
            "duplicate_scan_s",
            duplicate_scan_s,
            "s",
            baseline="ledger_count_s",
            baseline_value=ledger_scan_s,
            scale=scale.name,
        )
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
