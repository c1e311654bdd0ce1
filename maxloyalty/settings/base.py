"""Settings shared by every environment. Every value comes from the environment through django-environ."""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from maxloyalty.deployment import deployment_name_for
from maxloyalty.redis_probe import redis_is_reachable
from maxloyalty.task_routes import MAINTENANCE, queue_names, queue_of, task_routes

# Django's generic classes take type arguments at run time too (`admin.ModelAdmin[Chain]`, `forms.ModelForm[Guest]`),
# as mypy requires them (pyproject.toml [tool.mypy]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
# The platform's own host; every chain is served at {slug}.PLATFORM_DOMAIN (plus its custom domains).
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])
SITE_SCHEME = env("SITE_SCHEME", default="http")
SITE_PORT = env("SITE_PORT", default="8000")

# --- Applications: shared (public schema) and per chain (one schema each) -------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "qsessions",  # django.contrib.sessions with the user, address and browser of each session (public schema)
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts.admin_config.PlatformAdminConfig",  # django.contrib.admin with the platform site
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "django.contrib.postgres",
    "anymail",  # email providers' backends and tracking webhooks (messaging.email, messaging.webhooks)
    "observability",  # /healthz, /readyz, /metrics and the Prometheus metrics (no tables)
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "guardian",
    "audit",
    "restaurants",
    "pos",
    "guests",
    "loyalty",
    "analytics",
    "telegram_bot",
    "onboarding",  # the setup checklist of a new chain (issue #28)
    "messaging",  # messages to guests by Telegram, email and SMS: settings, the log, suppressions (issue #26)
    "campaigns",  # saved segments of guests and the campaigns sent to them (issue #26)
    "automations",  # welcome series, win-back, birthday, expiry and level messages, run per chain (issue #26)
    "feedback",  # post-visit ratings, low-rating alerts, ratings per restaurant (issue #26)
    "fraud",  # abuse and fraud flags, their review queue and the freeze of a guest's points (issue #27)
    "wallet",  # the loyalty card in Apple Wallet and Google Wallet, kept up to date after each check (issue #27)
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Chain"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "maxloyalty.urls_public"
ROOT_URLCONF = "maxloyalty.urls"
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.unknown_host"
TENANT_MIGRATION_EXECUTOR = env("TENANT_MIGRATION_EXECUTOR", default="standard")
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MIGRATION_PROCESSES", default=2)
# Seconds a host → chain answer is kept inside one process (on top of the shared Redis entry).
TENANT_ROUTING_LOCAL_TTL = env.int("TENANT_ROUTING_LOCAL_TTL", default=10)

MIDDLEWARE = [
    "maxloyalty.request_context.RequestIdMiddleware",
    # Probes and /metrics on every host, before the chain, a session or a throttle is looked at; then request timing.
    "observability.middleware.ProbeMiddleware",
    "observability.middleware.RequestMetricsMiddleware",
    # Before the chain or anything else is looked up: oversized API bodies (413), flooding POS senders (429).
    "maxloyalty.api.RequestBodyLimitMiddleware",
    "pos.inbound.InboundFloodGate",
    "tenants.routing.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.ClientSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ChainMembershipMiddleware",
    "maxloyalty.locale.ChainLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "billing.middleware.BillingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "maxloyalty.error_pages.DomainErrorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.chain_context",
            ],
        },
    },
]
WSGI_APPLICATION = "maxloyalty.wsgi.application"

# --- Database ------------------------------------------------------------------------------
# The embedded PostgreSQL's cluster when DATABASE_URL is unset (make run; maxloyalty.embedded_postgres).
EMBEDDED_POSTGRES_DIR = Path(env("EMBEDDED_POSTGRES_DIR", default=str(DATA_DIR / "pg"))).resolve()
if env("DATABASE_URL", default=""):
    DATABASE_URL = env("DATABASE_URL")
else:
    from maxloyalty.embedded_postgres import embedded_database_url

    DATABASE_URL = embedded_database_url(EMBEDDED_POSTGRES_DIR)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "maxloyalty.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# PostgreSQL's JIT compiles a plan when its estimated cost is high; for this application's queries (the analytics
# metrics above all) compiling costs more than it saves, 80-130 ms a query at 1M guests.
DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off", **DATABASES["default"].get("OPTIONS", {})}
# On: a `SELECT 1` before the first query of every request on a reused connection, so a database restart costs
# no failed request; it is also one more round trip on every request (a quarter of a POS webhook's time under
# load). Off (Django's default): a connection the server dropped fails one request and is then replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
# The POS webhook's acknowledgement INSERT (maxloyalty.db.set_based_writes.insert_new_values) is prepared once per
# connection: about a third less database CPU for it. Off behind a pooler that cannot keep prepared statements
# (PgBouncer in transaction mode before 1.21).
DATABASES["default"]["PREPARE_HOT_STATEMENTS"] = env.bool("DATABASE_PREPARE_HOT_STATEMENTS", default=True)
# Seconds a client is told to wait (Retry-After) when the database, Redis or the broker is down: a 503, not a 500.
OUTAGE_RETRY_AFTER_SECONDS = env.int("OUTAGE_RETRY_AFTER_SECONDS", default=10)
DATABASE_ROUTERS = ["analytics.routers.AnalyticsReplicaRouter", "django_tenants.routers.TenantSyncRouter"]
if env("ANALYTICS_DATABASE_URL", default=""):  # a read replica for heavy analytics reads (analytics.routers)
    DATABASES["replica"] = {**DATABASES["default"], **env.db_url_config(env("ANALYTICS_DATABASE_URL"))}
    DATABASES["replica"]["ENGINE"] = "maxloyalty.postgresql_backend"
# The replica is read only while its replay lag is at most this many seconds; each process asks it at most once per
# ANALYTICS_REPLICA_CHECK_SECONDS and reads the primary meanwhile when it was behind or unreachable
# (analytics.replica_lag).
ANALYTICS_REPLICA_MAX_LAG_SECONDS = env.float("ANALYTICS_REPLICA_MAX_LAG_SECONDS", default=30.0)
ANALYTICS_REPLICA_CHECK_SECONDS = env.float("ANALYTICS_REPLICA_CHECK_SECONDS", default=5.0)
# The liability page and API show a snapshot (analytics.liability_snapshots): one older than this is refreshed in the
# background when someone looks; a refresh holds its per-chain lock at most this long (a crashed one frees it).
LIABILITY_SNAPSHOT_MAX_AGE_SECONDS = env.int("LIABILITY_SNAPSHOT_MAX_AGE_SECONDS", default=3600)
# A segment's count and preview are remembered this long per viewer (campaigns.selectors.segment_size); 0: never.
SEGMENT_COUNT_CACHE_SECONDS = env.int("SEGMENT_COUNT_CACHE_SECONDS", default=60)
LIABILITY_REFRESH_LOCK_SECONDS = env.int("LIABILITY_REFRESH_LOCK_SECONDS", default=1800)
# PostgreSQL's work_mem for a background job's query over a chain's whole history (the liability's cohorts:
# analytics.routers.fetch_rows_of_heavy_query), set for that transaction only.
ANALYTICS_HEAVY_QUERY_WORK_MEM = env.str("ANALYTICS_HEAVY_QUERY_WORK_MEM", default="256MB")
# The duplicates page and API show the pairs of the last scan (guests.duplicate_scans); an older one is redone.
DUPLICATE_SCAN_MAX_AGE_SECONDS = env.int("DUPLICATE_SCAN_MAX_AGE_SECONDS", default=3600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Health and metrics (observability) ----------------------------------------------------
# Each dependency /readyz asks (database, cache, Celery broker, one after another) gets at most this long: the three
# together stay inside a probe's timeout (Kubernetes' readinessProbe: 5 s).
READINESS_CHECK_TIMEOUT_SECONDS = env.float("READINESS_CHECK_TIMEOUT_SECONDS", default=1.0)
# Who may read /metrics (addresses or networks, comma-separated); everyone else gets 404. Prometheus on the same
# host by default; in a cluster, the pods' network.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# A Celery worker serves its processes' metrics on this port (0: not at all), listening on CELERY_METRICS_ADDRESS.
# The worker and gunicorn each empty their PROMETHEUS_MULTIPROC_DIR at start: give each its own.
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
CELERY_METRICS_ADDRESS = env("CELERY_METRICS_ADDRESS", default="127.0.0.1")

# --- Cache, Redis, Celery ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
REDIS_FALLBACK_ALLOWED = env.bool("REDIS_FALLBACK_ALLOWED", default=False)
REDIS_AVAILABLE = redis_is_reachable(REDIS_URL)
# Development without Redis: the cache and Celery's broker live in the same PostgreSQL (Django's database cache and
# kombu's SQLAlchemy transport), so gunicorn's processes, the Celery worker and beat still share locks and counters,
# and scheduled and retried work still runs. Production never falls back (REDIS_FALLBACK_ALLOWED is off there).
REDIS_FALLBACK = not REDIS_AVAILABLE and REDIS_FALLBACK_ALLOWED
FALLBACK_CACHE_TABLE = "maxloyalty_fallback_cache"
if REDIS_FALLBACK and os.environ.get("MAXLOYALTY_FALLBACK_ANNOUNCED") != "1":  # once, not in every child process
    os.environ["MAXLOYALTY_FALLBACK_ANNOUNCED"] = "1"
    print(
        f"Redis is unreachable at {REDIS_URL}: the cache and Celery's queue use PostgreSQL instead (slower; "
        "start Redis for production-like behaviour).",
        file=sys.stderr,
    )


# Names this deployment's keys in a shared Redis and its Celery queue, so two deployments on one Redis (two checkouts,
# staging beside production) never read each other's cache entries or take each other's tasks. Derived from the
# database by default (the same database is the same deployment); production names it (prod.py requires it).
DEPLOYMENT_NAME = env("DEPLOYMENT_NAME", default="") or deployment_name_for(DATABASES["default"])


def _cache(location_suffix: str, tenant_aware: bool) -> dict[str, object]:
    if REDIS_FALLBACK:
        config: dict[str, object] = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": FALLBACK_CACHE_TABLE,  # created by `manage.py create_fallback_cache_table` (make run does)
            "KEY_PREFIX": f"ml-{location_suffix}",
        }
    else:
        config = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{DEPLOYMENT_NAME}:ml-{location_suffix}",
            # django-redis' client, counting hits and misses for the metrics (observability.cache_client).
            "OPTIONS": {"CLIENT_CLASS": "observability.cache_client.CountingClient", "SOCKET_CONNECT_TIMEOUT": 2},
            "METRICS_NAME": location_suffix,
        }
    if tenant_aware:
        # Every key carries the current chain's schema, so chains never share an entry.
        config["KEY_FUNCTION"] = "django_tenants.cache.make_key"
        config["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"
    return config


CACHES = {
    "default": _cache("default", tenant_aware=True),
    # Platform-wide entries (host → chain routing, login lock counters): not per chain.
    "platform": _cache("platform", tenant_aware=False),
}
SESSION_ENGINE = "qsessions.backends.cached_db"

_DATABASE_BROKER_URL = "sqla+" + re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", DATABASE_URL)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_DATABASE_BROKER_URL if REDIS_FALLBACK else REDIS_URL)
# One queue per workload (maxloyalty.task_routes: the table of task → workload), each named from this base, so a
# run's or a deployment's CELERY_QUEUE keeps all its queues to itself: BASE.pos, BASE.messaging, BASE.analytics,
# BASE.billing, and BASE for maintenance (and any task Celery itself sends).
TASK_QUEUE_BASE = env("CELERY_QUEUE", default=f"{DEPLOYMENT_NAME}-tasks")
TASK_QUEUES = queue_names(TASK_QUEUE_BASE)  # most urgent first, as `make run`'s single worker consumes them
CELERY_TASK_DEFAULT_QUEUE = queue_names(TASK_QUEUE_BASE, (MAINTENANCE,))[0]
CELERY_TASK_ROUTES = task_routes(TASK_QUEUE_BASE)
# Declared as Celery would create them, so a worker started without --queues consumes every one (nothing routed is
# left unconsumed); production workers each name theirs (README, Operations).
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in TASK_QUEUES]
# On Redis, a worker consuming several queues takes from them in the order given (-Q pos first), not round robin.
# (The PostgreSQL fallback broker's transport hands its options to SQLAlchemy's create_engine: none there.)
_REDIS_BROKER = CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"queue_order_strategy": "priority"} if _REDIS_BROKER else {}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# A task finds its chain by schema name; keep the answer in the worker this long instead of one query per task.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=60)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


def _in_every_chain(task_name: str, schedule: float | crontab) -> dict[str, Any]:
    """A beat entry sending `task_name` into every chain through the one fan-out (tenants.tasks.run_in_every_chain),
    the fan-out itself on its target's queue: a busy maintenance worker never holds up the POS tick."""
    return {
        "task": "tenants.tasks.run_in_every_chain",
        "schedule": schedule,
        "args": [task_name],
        "options": {"queue": queue_of(task_name, TASK_QUEUE_BASE)},
    }


CELERY_BEAT_SCHEDULE = {
    # Every 10 minutes per chain: daily analytics roll-ups of changed days, today and yesterday.
    "analytics-rollups": _in_every_chain("analytics.tasks.roll_up_daily_stats", 600.0),
    # Nightly per chain: the liability page's snapshot (analytics.liability_snapshots; pages refresh stale ones too).
    "liability-snapshot": _in_every_chain("analytics.tasks.refresh_liability_snapshot", crontab(hour=4, minute=0)),
    # Nightly per chain: the monthly partitions of the coming months made, rows in default partitions moved into
    # months of their own (maxloyalty.db.partitions; readiness fails when a served chain lacks next month's).
    "partitions-maintain": _in_every_chain("tenants.tasks.maintain_partitions_task", crontab(hour=2, minute=50)),
    "audit-purge": _in_every_chain("audit.tasks.purge_expired_audit_entries", crontab(hour=3, minute=10)),
    # Nightly per chain: POS rejected attempts and sync runs past the retention; Telegram update ids past the
    # redelivery window.
    "pos-history-purge": _in_every_chain("pos.tasks.purge_pos_history", crontab(hour=3, minute=20)),
    # Nightly per chain: receipt months past RECEIPT_RETENTION_DAYS archived to the chain's files, then dropped.
    "pos-receipts-archive": _in_every_chain("pos.tasks.archive_old_receipts", crontab(hour=3, minute=45)),
    "guest-duplicate-scan": _in_every_chain("guests.tasks.scan_for_duplicates", crontab(minute=35)),
    "guest-exports-purge": _in_every_chain("guests.tasks.purge_old_guest_exports", crontab(hour=3, minute=30)),
    "telegram-updates-purge": _in_every_chain("telegram_bot.tasks.forget_old_updates", crontab(hour=3, minute=25)),
    # Every minute per chain: POS receipts left pending or due for a retry, and POS polls whose time has come.
    "pos-tick": _in_every_chain("pos.tasks.pos_chain_tick", 60.0),
    # Platform level, hourly: unconfirmed sign-ups past their link's lifetime are deleted (their addresses freed).
    "signups-purge": {"task": "tenants.tasks.purge_expired_signups", "schedule": crontab(minute=40)},
    # Billing (platform level): ended trials and grace periods, reminders, period ends; YooKassa renewals.
    "billing-advance": {"task": "billing.tasks.advance_subscriptions", "schedule": crontab(minute=5)},
    "billing-renewals": {"task": "billing.tasks.charge_yookassa_renewals", "schedule": crontab(minute=20)},
    # Monthly per chain, before the day's renewals: last month's SMS parts past a billing plan's allowance, priced
    # and put on the chain's next invoice (billing.services.sms_overage).
    "billing-sms-overage": _in_every_chain("billing.tasks.close_sms_month", crontab(day_of_month=1, hour=0, minute=10)),
    # Every minute per chain: queued guest notifications (expiry warnings, level changes) and due broadcasts.
    "telegram-tick": _in_every_chain("telegram_bot.tasks.telegram_chain_tick", 60.0),
    # Every minute per chain: messages whose quiet hours ended, and lost deliveries (messaging.services).
    "messaging-tick": _in_every_chain("messaging.tasks.messaging_chain_tick", 60.0),
    # Every minute per chain: scheduled campaigns whose moment has come start sending (campaigns.sending).
    "campaigns-tick": _in_every_chain("campaigns.tasks.campaigns_chain_tick", 60.0),
    # Every minute per chain: feedback requests whose visit is older than the chain's delay (feedback.services).
    "feedback-tick": _in_every_chain("feedback.tasks.feedback_chain_tick", 60.0),
    # Loyalty, per chain: pending points become spendable; hourly, the night's jobs start in each chain's 3 a.m.
    # (expiry, expiry warnings, birthday bonuses, level re-evaluation: loyalty.tasks.loyalty_night).
    # Automations per chain (automations.runners): the event ones (welcome, first visit, level up) every 5 minutes;
    # hourly, the day's ones (reminders, win-back, birthdays, expiring points, levels at risk) in each chain's 10 a.m.
    "automations-events": _in_every_chain("automations.tasks.run_event_automations_task", 300.0),
    "automations-day": _in_every_chain("automations.tasks.automations_day", crontab(minute=5)),
    "loyalty-activate-pending": _in_every_chain("loyalty.tasks.activate_pending_points_task", 300.0),
    "loyalty-night": _in_every_chain("loyalty.tasks.loyalty_night", crontab(minute=15)),
    # Hourly per chain; in the chain's 4 a.m. the staff fraud rules run (fraud.tasks.fraud_night).
    "fraud-night": _in_every_chain("fraud.tasks.fraud_night", crontab(minute=25)),
    # Every minute per chain: program drafts scheduled to take effect at a moment that has come are published.
    "loyalty-drafts-publish": _in_every_chain("loyalty.tasks.publish_due_drafts_task", 60.0),
}
CELERY_TIMEZONE = "UTC"

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_ANONYMOUS_USER_NAME = None
ANONYMOUS_USER_NAME = None
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed logins lock the account (and the client address) for a while.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
# The rules are numbered in accounts/sign_in.py: per account+address+host (LOGIN_FAILURE_LIMIT), per address over
# all accounts, per account on one host over all addresses (spared where the account signed in before).
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=LOGIN_FAILURE_LIMIT * 4)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=LOGIN_FAILURE_LIMIT * 4)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# Password-reset emails, silently not sent beyond these (the page answers the same).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=5)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
PASSWORD_RESET_WINDOW_MINUTES = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=60)
# Sign-up: the emailed confirmation link's lifetime (the chain's address stays reserved meanwhile); sign-ups per
# client address and per email per hour; open (unconfirmed) sign-ups per address; seconds between two mails.
SIGNUP_CONFIRMATION_HOURS = env.int("SIGNUP_CONFIRMATION_HOURS", default=48)
SIGNUP_LIMIT_PER_ADDRESS = env.int("SIGNUP_LIMIT_PER_ADDRESS", default=10)
SIGNUP_LIMIT_PER_EMAIL = env.int("SIGNUP_LIMIT_PER_EMAIL", default=3)
SIGNUP_OPEN_PER_ADDRESS = env.int("SIGNUP_OPEN_PER_ADDRESS", default=5)
CONFIRMATION_RESEND_SECONDS = env.int("CONFIRMATION_RESEND_SECONDS", default=60)
# Staff invitations: days the emailed link stays valid.
STAFF_INVITATION_DAYS = env.int("STAFF_INVITATION_DAYS", default=7)
# How many reverse proxies in front of us append to X-Forwarded-For; 0 = trust none of it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Security headers --------------------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts, styles and everything else from our own origin only; no inline
# script, handler or style anywhere (tests/security/test_no_inline_scripts.py walks the templates), and no page
# may be framed, except the Telegram Mini App inside Telegram's web client (telegram_bot.views.mini_app).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Telegram's web clients (web.telegram.org/k, /a) show a Mini App in a frame.
TELEGRAM_FRAME_ANCESTORS = ["https://web.telegram.org", "https://*.telegram.org"]
X_FRAME_OPTIONS = "DENY"


def trusted_proxy_ssl_header(header: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER for the header a trusted TLS-terminating proxy sets ("X-Forwarded-Proto"), or None.

    Django then believes that header's "https": only a proxy that always sets it (overwriting what the client
    sent) may be named, or any client could claim HTTPS."""
    header = header.strip()
    if not header:
        return None
    if not all(part.isalnum() for part in header.split("-")):
        raise ImproperlyConfigured(f"TRUSTED_PROXY_SSL_HEADER is not a header name: {header!r}")
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


# Empty (the default): no proxy is trusted, and a client's X-Forwarded-Proto changes nothing.
SECURE_PROXY_SSL_HEADER = trusted_proxy_ssl_header(env("TRUSTED_PROXY_SSL_HEADER", default=""))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session unused this many minutes is signed out (accounts.user_sessions.idle_minutes): by the role in the chain
# served; on the platform host, platform staff (the admin) and everyone else (the chain chooser).
SESSION_IDLE_MINUTES_CASHIER = env.int("SESSION_IDLE_MINUTES_CASHIER", default=12 * 60)  # a till stays on for a shift
SESSION_IDLE_MINUTES_MANAGER = env.int("SESSION_IDLE_MINUTES_MANAGER", default=60)
SESSION_IDLE_MINUTES_ADMIN = env.int("SESSION_IDLE_MINUTES_ADMIN", default=30)
SESSION_IDLE_MINUTES_OWNER = env.int("SESSION_IDLE_MINUTES_OWNER", default=30)
SESSION_IDLE_MINUTES_PLATFORM = env.int("SESSION_IDLE_MINUTES_PLATFORM", default=30)
SESSION_IDLE_MINUTES_PLATFORM_STAFF = env.int("SESSION_IDLE_MINUTES_PLATFORM_STAFF", default=15)
CSRF_COOKIE_SAMESITE = "Lax"

# --- REST API ------------------------------------------------------------------------------
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="100/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ChainJWTAuthentication",
        "accounts.authentication.ChainSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api.permissions.HasChainPermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "maxloyalty.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "maxloyalty.throttles.PerUserRateThrottle",
        "maxloyalty.throttles.PerAddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"user": API_THROTTLE_RATE, "anon": API_THROTTLE_RATE},
    "EXCEPTION_HANDLER": "maxloyalty.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "maxloyalty.api.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MAX-LOYALTY API",
    "DESCRIPTION": "REST API of the MAX-LOYALTY platform. Every call is made on a chain's host "
    "({slug}." + PLATFORM_DOMAIN + ") with a Bearer access token issued on that host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets several components share under one field name: named here, else drf-spectacular names them by a
    # hash of their (translated) labels, which differs between languages. The names they had when one component
    # held each.
    "ENUM_NAME_OVERRIDES": {
        "ReceiptOutStatusEnum": "pos.models.ReceiptStatus",
        "ReceiptClaimOutStatusEnum": "pos.models.ClaimStatus",
        "ReceiptClaimOutSourceEnum": "pos.models.ClaimSource",
        "PlatformsEnum": "wallet.models.WalletPlatform",
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
REFRESH_COOKIE_NAME = "ml_refresh"
REFRESH_COOKIE_SECURE = env.bool("REFRESH_COOKIE_SECURE", default=False)

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_CHAIN_TIME_ZONE = "Europe/Moscow"

# --- Static files, email -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(DATA_DIR / "media"))
# Chains' files (guest imports, exports, logos; maxloyalty/chain_files.py): an S3 bucket when S3_BUCKET is set (MinIO
# in docker/compose.yaml, any S3 in production), else MEDIA_ROOT. Never served by a plain URL either way: downloads
# go through a rights-checked door, which redirects to a signed URL (S3) or streams the file (file system).
S3_BUCKET = env("S3_BUCKET", default="")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="")  # empty: AWS itself
# The endpoint as a browser reaches it, when that differs from the app's (compose: http://minio:9000 inside,
# http://localhost:9000 outside); signed URLs are made for that host (the signature covers it).
S3_PUBLIC_ENDPOINT_URL = env("S3_PUBLIC_ENDPOINT_URL", default="")
S3_REGION = env("S3_REGION", default="us-east-1")
# Empty: boto3 finds credentials itself (instance or pod role, AWS_* variables, ~/.aws).
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default="")
# MinIO and most S3 look-alikes want path-style addresses (http://host/bucket/key); AWS prefers virtual hosts.
S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", default="path" if S3_ENDPOINT_URL else "virtual")
# Seconds a signed download link works; the link is made when a permitted user clicks, so it can be short.
FILE_URL_LIFETIME_SECONDS = env.int("FILE_URL_LIFETIME_SECONDS", default=300)
# Guest exports of more guests than this are written by a Celery task into the chain's files and downloaded from
# there; smaller ones stream straight to the browser.
GUEST_EXPORT_STREAM_LIMIT = env.int("GUEST_EXPORT_STREAM_LIMIT", default=20000)
# Written exports hold personal data: their files are deleted this long after they were written (nightly).
GUEST_EXPORT_RETENTION_HOURS = env.int("GUEST_EXPORT_RETENTION_HOURS", default=24)


def s3_storage_options(*, endpoint_url: str) -> dict[str, Any]:
    """django-storages' S3Storage options for the bucket above: private objects, signed URLs, no overwrites."""
    return {
        "bucket_name": S3_BUCKET,
        "endpoint_url": endpoint_url or None,
        "region_name": S3_REGION,
        "access_key": S3_ACCESS_KEY_ID or None,
        "secret_key": S3_SECRET_ACCESS_KEY or None,
        "addressing_style": S3_ADDRESSING_STYLE,
        "signature_version": "s3v4",
        "default_acl": None,  # the bucket's own (private): nothing is readable without a signature
        "querystring_auth": True,
        "querystring_expire": FILE_URL_LIFETIME_SECONDS,
        "file_overwrite": False,
    }


STORAGES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_storage_options(endpoint_url=S3_ENDPOINT_URL)}
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The demo chain's guests (manage.py seed_demo, make run).
DEMO_GUESTS = env.int("DEMO_GUESTS", default=300)
MEDIA_URL = "/media/"
# --- Email: one provider for all mail (staff mail and guests' messages, messaging.email) ------------
# EMAIL_PROVIDER picks the backend; an explicit EMAIL_BACKEND still wins (it did before the providers came).
EMAIL_PROVIDER = env("EMAIL_PROVIDER", default="console")
EMAIL_PROVIDER_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
}
if EMAIL_PROVIDER not in EMAIL_PROVIDER_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_PROVIDER must be one of {', '.join(EMAIL_PROVIDER_BACKENDS)}.")
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_PROVIDER_BACKENDS[EMAIL_PROVIDER])
# The first retry of a message whose provider was unavailable waits this long, each next one twice as long.
MESSAGING_RETRY_SECONDS = env.float("MESSAGING_RETRY_SECONDS", default=30.0)
# The email and SMS providers' per-second limits for this platform's account, shared by every worker (0: none).
MESSAGING_EMAIL_PER_SECOND = env.int("MESSAGING_EMAIL_PER_SECOND", default=0)
MESSAGING_SMS_PER_SECOND = env.int("MESSAGING_SMS_PER_SECOND", default=0)
# Marketing yields to the tills (messaging.pacing): while POS pushes, all chains together, come at this rate per
# second or more, marketing deliveries and campaign batches are queued again later (12 times at most). 0: never.
MESSAGING_YIELD_TO_POS_PER_SECOND = env.float("MESSAGING_YIELD_TO_POS_PER_SECOND", default=100.0)
# What one message costs the chain per channel, in the chain's currency: a campaign's results weigh it (with its bonus
# points) against the uplift in revenue. CAMPAIGN_MESSAGE_COSTS="telegram=0,email=0.10,sms=4.50".
CAMPAIGN_MESSAGE_COSTS = {
    channel: Decimal(cost)
    for channel, cost in env.dict(
        "CAMPAIGN_MESSAGE_COSTS", default={"telegram": "0", "email": "0.10", "sms": "4.50"}
    ).items()
}
ANYMAIL: dict[str, Any] = {
    key: value
    for key, value in {
        "SENDGRID_API_KEY": env("SENDGRID_API_KEY", default=""),
        "SENDGRID_API_URL": env("SENDGRID_API_URL", default=""),  # anymail's default: https://api.sendgrid.com/v3/
        "MAILGUN_API_KEY": env("MAILGUN_API_KEY", default=""),
        "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", default=""),
        "MAILGUN_API_URL": env("MAILGUN_API_URL", default=""),  # the EU region: https://api.eu.mailgun.net/v3
        # Mailgun signs its webhooks with this key (HMAC-SHA256 of timestamp + token); without it they are refused.
        "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        # "user:password" the providers put in the webhook URL (basic auth); every tracking webhook must carry it.
        "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
    }.items()
    if value
}
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MAX-LOYALTY <noreply@maxloyalty.local>")

# --- Audit ---------------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=90)
# POS receipts older than this (whole months) are archived to the chain's files and their partition dropped nightly
# (pos.services.receipt_archive); the ledger and visits are never dropped.
RECEIPT_RETENTION_DAYS = env.int("RECEIPT_RETENTION_DAYS", default=730)

# --- Encryption at rest and POS integration ------------------------------------------------
# Fernet keys, comma-separated, newest first (see maxloyalty/encryption.py); empty: derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
POS_SIGNATURE_TOLERANCE_SECONDS = env.int("POS_SIGNATURE_TOLERANCE_SECONDS", default=300)
POS_SECRET_GRACE_HOURS = env.int("POS_SECRET_GRACE_HOURS", default=24)
POS_DEFAULT_POLL_MINUTES = env.int("POS_DEFAULT_POLL_MINUTES", default=60)
# Seconds a POS connection's signing material is kept inside one process (the webhook's hot path).
POS_CONNECTION_LOCAL_TTL = env.int("POS_CONNECTION_LOCAL_TTL", default=10)
POS_HTTP_TIMEOUT_SECONDS = env.float("POS_HTTP_TIMEOUT_SECONDS", default=20.0)
# A guest's claim of a visit from the fiscal receipt's QR (pos.services.claims): within this many hours of the
# receipt, at most this many a day per guest, matched by sum when the receipt's time is within the tolerance.
RECEIPT_CLAIM_WINDOW_HOURS = env.int("RECEIPT_CLAIM_WINDOW_HOURS", default=48)
RECEIPT_CLAIM_DAILY_LIMIT = env.int("RECEIPT_CLAIM_DAILY_LIMIT", default=3)
RECEIPT_CLAIM_TIME_TOLERANCE_MINUTES = env.int("RECEIPT_CLAIM_TIME_TOLERANCE_MINUTES", default=10)
# Calls to chain-configured addresses (maxloyalty.outbound): networks allowed besides public addresses (CIDR list;
# development and tests allow loopback), the answer's size cap and how many redirects are followed.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=20 * 1024 * 1024)
OUTBOUND_MAX_REDIRECTS = env.int("OUTBOUND_MAX_REDIRECTS", default=3)
# Request bodies of the API and the webhook intake (maxloyalty.api): larger is 413, deeper JSON nesting is 400.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
# Refused unauthenticated POS calls (bad signature or token, unknown connection) one address may make per minute
# before its calls are answered 429 without being looked at (pos.inbound).
POS_REJECTIONS_PER_ADDRESS_PER_MINUTE = env.int("POS_REJECTIONS_PER_ADDRESS_PER_MINUTE", default=120)
# Receipt drains one chain may run side by side when a backlog builds up (match the Celery worker concurrency).
POS_DRAIN_PARALLELISM = env.int("POS_DRAIN_PARALLELISM", default=2)
# Seconds a process keeps the loyalty program and promos after reading them from Redis (a change made by an admin
# reaches other processes within this time), and skips re-marking an analytics day it has just marked.
LOYALTY_PROGRAM_LOCAL_TTL = env.int("LOYALTY_PROGRAM_LOCAL_TTL", default=5)
ANALYTICS_MARK_LOCAL_TTL = env.int("ANALYTICS_MARK_LOCAL_TTL", default=5)
# A drain that runs out of receipts keeps looking this long; meanwhile webhooks that saw its flag within half of it
# skip the Redis call that would queue another drain (0: every webhook asks Redis).
POS_DRAIN_LINGER_SECONDS = env.float("POS_DRAIN_LINGER_SECONDS", default=1.0)

# --- Telegram ------------------------------------------------------------------------------
# The Bot API root; tests point it at a local fake server ("http://127.0.0.1:<port>/bot").
TELEGRAM_API_BASE_URL = env("TELEGRAM_API_BASE_URL", default="https://api.telegram.org/bot")
# How old a Mini App's initData may be (auth_date), in seconds.
TELEGRAM_INIT_DATA_MAX_AGE_SECONDS = env.int("TELEGRAM_INIT_DATA_MAX_AGE_SECONDS", default=86400)
# Telegram's limits: about 30 messages per second per bot, one per second per chat.
TELEGRAM_MESSAGES_PER_SECOND = env.int("TELEGRAM_MESSAGES_PER_SECOND", default=30)
TELEGRAM_CHAT_INTERVAL_SECONDS = env.float("TELEGRAM_CHAT_INTERVAL_SECONDS", default=1.0)
# How long a staff member's "Connect Telegram" deep link (t.me/<bot>?start=staff_<token>) may be used, in minutes.
TELEGRAM_STAFF_LINK_TTL_MINUTES = env.int("TELEGRAM_STAFF_LINK_TTL_MINUTES", default=15)

# --- Fraud rules ---------------------------------------------------------------------------
# The per-guest rules run this long after the first of a stream of checks, for every guest checked meanwhile (one
# task for many POS batches); 0: at once.
FRAUD_GUEST_CHECK_DELAY_SECONDS = env.float("FRAUD_GUEST_CHECK_DELAY_SECONDS", default=5.0)

# --- Wallet passes (wallet/): all optional; without them the wallet buttons are hidden -------------------
# Apple: the Pass Type ID certificate and its key (a PEM file's path or the PEM text), Apple's WWDR intermediate.
APPLE_PASS_TYPE_ID = env("APPLE_PASS_TYPE_ID", default="")
APPLE_TEAM_ID = env("APPLE_TEAM_ID", default="")
APPLE_PASS_CERTIFICATE = env("APPLE_PASS_CERTIFICATE", default="")
APPLE_PASS_KEY = env("APPLE_PASS_KEY", default="")
APPLE_PASS_KEY_PASSWORD = env("APPLE_PASS_KEY_PASSWORD", default="")
APPLE_WWDR_CERTIFICATE = env("APPLE_WWDR_CERTIFICATE", default="")
# APNs, reached with the pass certificate as the TLS client certificate (Wallet's pushes need it); tests: a fake.
APNS_URL = env("APNS_URL", default="https://api.push.apple.com")
APNS_CA_CERTIFICATE = env("APNS_CA_CERTIFICATE", default="")  # a PEM path: trust only it (tests); empty: system
# Google: the issuer and a service account's key (PEM path or text) that may write its loyalty objects.
GOOGLE_WALLET_ISSUER_ID = env("GOOGLE_WALLET_ISSUER_ID", default="")
GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL = env("GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL", default="")
GOOGLE_WALLET_PRIVATE_KEY = env("GOOGLE_WALLET_PRIVATE_KEY", default="")
GOOGLE_WALLET_API_URL = env("GOOGLE_WALLET_API_URL", default="https://walletobjects.googleapis.com")
GOOGLE_OAUTH_TOKEN_URL = env("GOOGLE_OAUTH_TOKEN_URL", default="https://oauth2.googleapis.com/token")
# A burst of checks of one chain makes one round of card updates this many seconds after the first.
WALLET_PUSH_DELAY_SECONDS = env.float("WALLET_PUSH_DELAY_SECONDS", default=5.0)
# How long the "add to wallet" link in an email or the bot works.
WALLET_LINK_DAYS = env.int("WALLET_LINK_DAYS", default=14)

# --- Billing -------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")  # tests: a local fake
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID", default="")
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY", default="")
YOOKASSA_API_URL = env("YOOKASSA_API_URL", default="https://api.yookassa.ru/v3")  # tests: a local fake
# YooKassa does not sign notifications: only these source addresses are believed (its published ranges).
YOOKASSA_ALLOWED_SOURCES = env.list(
    "YOOKASSA_ALLOWED_SOURCES",
    default=[
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    ],
)
YOOKASSA_VAT_CODE = env.int("YOOKASSA_VAT_CODE", default=1)  # 54-FZ receipt line VAT code (1 = without VAT)
YOOKASSA_RECEIPT_URL = env("YOOKASSA_RECEIPT_URL", default="")  # prefix + payment id: link to the receipt
YOOKASSA_RENEW_HOURS_BEFORE = env.int("YOOKASSA_RENEW_HOURS_BEFORE", default=0)
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)

# --- SMS (messaging/sms) -------------------------------------------------------------------
# Each chain brings its own provider account (messaging's SmsConfig); these only move the API roots, for tests and
# staging: empty means the real Twilio (every https://*.twilio.com address is rewritten to this root when set).
TWILIO_API_BASE = env("TWILIO_API_BASE", default="")  # tests: a local fake
SMSRU_API_BASE = env("SMSRU_API_BASE", default="https://sms.ru")  # tests: a local fake

# --- Logging -------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="text")  # "text" (readable lines) or "json" (JSON lines)
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING: dict[str, Any] = {  # the test settings lower the root level
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "maxloyalty.request_context.RequestContextFilter"},
        # Secrets (bot tokens, query tokens, Authorization values, JWTs, hand-off tokens) never reach a log line.
        "redact_secrets": {"()": "maxloyalty.log_redaction.SecretRedactingFilter"},
    },
    "formatters": {
        # Each line: the request id (the same in the tasks a request queued), the chain's schema, the signed-in
        # staff user's id, in a worker the task's name (and id, in JSON); "-" where one does not apply.
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s %(chain)s user=%(user_id)s task=%(task_name)s] "
            "%(name)s: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(chain)s %(user_id)s %(task_name)s "
            "%(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a console copy when DEBUG, mail to ADMINS, which is unset) would write records
        # without the redaction: every record goes to the root's handlers instead.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "INFO", "propagate": True},
        # httpx writes every request URL at INFO, and a Bot API URL holds the bot's token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
