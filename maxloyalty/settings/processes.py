"""Settings for real server and worker processes that tests and benchmarks start (gunicorn, celery worker).

The test settings, except: every process shares one cache prefix (PROCESS_CACHE_PREFIX), so a flag one process
sets another sees; Celery really queues (on CELERY_QUEUE, so a run never consumes another run's tasks); what the
test settings turn off for a single process is back to the base (production) values.
"""

import os

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

from .test import *  # noqa: F403
from .test import ANYMAIL, CACHES, DATABASES, EMAIL_BACKEND, ROOT_URLCONF, env

# isort: split
from . import base  # after .test: base.py must read the environment defaults test.py sets (REDIS_URL, ...)

_PROCESS_PREFIX = env("PROCESS_CACHE_PREFIX", default="processes")
for _cache in CACHES.values():
    _cache["KEY_PREFIX"] = str(_cache["KEY_PREFIX"]).replace(f"test-{os.getpid()}-", f"{_PROCESS_PREFIX}-")
CELERY_TASK_ALWAYS_EAGER = False
# A benchmark may serve extra endpoints (bench.urls adds its trivial baseline view in front of the app's URLs).
ROOT_URLCONF = env("ROOT_URLCONF", default=ROOT_URLCONF)
# Like production: persistent database connections (the test settings open one per request). Read again here:
# test.py set it to 0 in the dictionary base.py built, so base holds no untouched copy.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Like production: host routing, the program and analytics marks are kept briefly in each process; an idle receipt
# drain lingers (webhooks skip the Redis call while it does); a worker keeps the chain it found by schema name.
TENANT_ROUTING_LOCAL_TTL = base.TENANT_ROUTING_LOCAL_TTL
LOYALTY_PROGRAM_LOCAL_TTL = base.LOYALTY_PROGRAM_LOCAL_TTL
ANALYTICS_MARK_LOCAL_TTL = base.ANALYTICS_MARK_LOCAL_TTL
POS_DRAIN_LINGER_SECONDS = base.POS_DRAIN_LINGER_SECONDS
CELERY_TASK_TENANT_CACHE_SECONDS = base.CELERY_TASK_TENANT_CACHE_SECONDS
# Marketing yields to the tills as in production (messaging.pacing; the test settings turn it off).
MESSAGING_YIELD_TO_POS_PER_SECOND = base.MESSAGING_YIELD_TO_POS_PER_SECOND
# A benchmark may send email through a provider's backend to a local fake of its API (bench.campaign: anymail's
# SendGrid backend, SENDGRID_API_KEY and SENDGRID_API_URL); otherwise the test settings' in-memory outbox.
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)
ANYMAIL = {**ANYMAIL, **{key: value for key, value in base.ANYMAIL.items() if key.startswith("SENDGRID_")}}
