"""Development without Redis: one line says so; the cache and Celery's broker move to PostgreSQL (a real worker and
beat still run scheduled and retried work)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CACHES['default']['BACKEND']); print(settings.CELERY_TASK_ALWAYS_EAGER); "
    "print(settings.CELERY_BROKER_URL.split('://')[0])"
)


def _dev_settings_with_redis_at(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "maxloyalty.settings.dev", "REDIS_URL": url}
    env.pop("REDIS_FALLBACK_ALLOWED", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )


def test_unreachable_redis_falls_back_and_says_so_once():
    result = _dev_settings_with_redis_at("redis://127.0.0.1:1/0")
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "False", "sqla+postgresql+psycopg"]
    notices = [line for line in result.stderr.splitlines() if "Redis is unreachable" in line]
    assert len(notices) == 1


def test_reachable_redis_is_used():
    result = _dev_settings_with_redis_at(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    assert result.stdout.split() == ["django_redis.cache.RedisCache", "False", "redis"]
