"""The MAX-LOYALTY Django project: settings, URL maps, the Celery app and cross-cutting HTTP pieces."""

from .celery import app as celery_app

__all__ = ["celery_app"]
