"""The project's own Django apps (those whose code lives in this repository, not in the virtualenv): the tests that
walk every model of the project take the list from here, so a new app is walked without anyone adding it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings


@cache
def project_app_labels() -> frozenset[str]:
    root = Path(settings.BASE_DIR).resolve()
    labels = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and ".venv" not in path.relative_to(root).parts:
            labels.add(config.label)
    return frozenset(labels)
