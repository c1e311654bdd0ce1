"""Development: debug on, console email, Redis optional (falls back to local memory and eager Celery)."""

import os

os.environ.setdefault("REDIS_FALLBACK_ALLOWED", "true")
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import env

DEMO_DATA_ALLOWED = True
INTERNAL_IPS = ["127.0.0.1"]
LOG_FORMAT = env("LOG_FORMAT", default="text")
WHITENOISE_AUTOREFRESH = True
# The fake POS servers (tests) and a local POS (development) listen on loopback: allowed explicitly.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
