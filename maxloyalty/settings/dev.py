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
