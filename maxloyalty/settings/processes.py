"""Settings for real server and worker processes that tests and benchmarks start (gunicorn, celery worker).

The test settings, except: every process shares one cache prefix (PROCESS_CACHE_PREFIX), so a flag one process
sets another sees; Celery really queues (on CELERY_QUEUE, so a run never consumes another run's tasks).
"""

import os

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

from .test import *  # noqa: F403
from .test import CACHES, DATABASES, ROOT_URLCONF, env

_PROCESS_PREFIX = env("PROCESS_CACHE_PREFIX", default="processes")
for _cache in CACHES.values():
    _cache["KEY_PREFIX"] = str(_cache["KEY_PREFIX"]).replace(f"test-{os.getpid()}-", f"{_PROCESS_PREFIX}-")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
TENANT_ROUTING_LOCAL_TTL = env.int("TENANT_ROUTING_LOCAL_TTL", default=10)
# A benchmark may serve extra endpoints (bench.urls adds its trivial baseline view in front of the app's URLs).
ROOT_URLCONF = env("ROOT_URLCONF", default=ROOT_URLCONF)
# Like production: persistent database connections (the test settings open one per request).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Like production: an idle receipt drain lingers, and webhooks skip the Redis call while it does.
POS_DRAIN_LINGER_SECONDS = env.float("POS_DRAIN_LINGER_SECONDS", default=1.0)
# Like production: a worker keeps the chain it found by schema name for a minute.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=60)
# Like production: the program and analytics marks are kept briefly in each process.
LOYALTY_PROGRAM_LOCAL_TTL = env.int("LOYALTY_PROGRAM_LOCAL_TTL", default=5)
ANALYTICS_MARK_LOCAL_TTL = env.int("ANALYTICS_MARK_LOCAL_TTL", default=5)
