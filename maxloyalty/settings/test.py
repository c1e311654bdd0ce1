"""Tests: real PostgreSQL and real Redis (no fallback), fast password hashing, a lowered API throttle."""

import os

os.environ.setdefault("REDIS_FALLBACK_ALLOWED", "false")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
# One name for the test process and the server and worker processes tests start (their database names differ).
os.environ.setdefault("DEPLOYMENT_NAME", "test")

from .base import *  # noqa: F403
from .base import CACHES, REST_FRAMEWORK, env

DEBUG = False
DEMO_DATA_ALLOWED = True
PLATFORM_DOMAIN = "ml.test"
ALLOWED_HOSTS = ["ml.test", ".ml.test", "testserver", "localhost", ".localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
TENANT_ROUTING_LOCAL_TTL = 0
for cache in CACHES.values():
    cache["KEY_PREFIX"] = f"test-{os.getpid()}-{cache.get('KEY_PREFIX', '')}"
# Suites make many calls per minute; tests of the throttle lower it explicitly.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000/min", "anon": "1000/min"}}
# Chains' files on the file system unless a test points them at its own S3 server (tests/object_storage.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"
WHITENOISE_AUTOREFRESH = True
# Server threads of browser tests must not keep connections open past their request (test DB teardown).
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The demo chain's guests: 300 in development, a handful in tests (the seeding code is the same).
DEMO_GUESTS = 25
POS_DRAIN_LINGER_SECONDS = 0.0  # tests call drains directly: no lingering
# Tests change chains and then run tasks in the same process: no cached chain in the task base.
CELERY_TASK_TENANT_CACHE_SECONDS = 0
# Tests change the program and read roll-up marks in one process: nothing kept in process memory.
LOYALTY_PROGRAM_LOCAL_TTL = 0
ANALYTICS_MARK_LOCAL_TTL = 0
# The fake POS servers (tests) and a local POS (development) listen on loopback: allowed explicitly.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# The email providers' tracking webhooks (messaging.webhooks): the basic-auth secret and Mailgun's signing key.
ANYMAIL = {"WEBHOOK_SECRET": "anymail:test-webhook-secret", "MAILGUN_WEBHOOK_SIGNING_KEY": "test-mailgun-signing-key"}
MESSAGING_RETRY_SECONDS = 0.0  # eager tasks retry at once
# A suite's own webhooks must not slow the next test's marketing messages: the pacing tests turn it on.
MESSAGING_YIELD_TO_POS_PER_SECOND = 0.0
