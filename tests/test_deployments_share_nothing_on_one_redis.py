"""Two deployments on one Redis (two checkouts, staging beside production) never share cache entries or tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from maxloyalty.deployment import deployment_name_for

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'cache': settings.CACHES['default']['KEY_PREFIX'], "
    "'platform': settings.CACHES['platform']['KEY_PREFIX'], 'queue': settings.CELERY_TASK_DEFAULT_QUEUE}))"
)


def _settings_of(database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEPLOYMENT_NAME", "CELERY_QUEUE"}}
    env.update(DJANGO_SETTINGS_MODULE="maxloyalty.settings.dev", DATABASE_URL=database_url, **extra)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_databases_give_two_key_prefixes_and_two_queues():
    first = _settings_of("postgres://postgres@127.0.0.1:5432/maxloyalty_one")
    second = _settings_of("postgres://postgres@127.0.0.1:5432/maxloyalty_two")

    assert first["cache"] != second["cache"]
    assert first["platform"] != second["platform"]
    assert first["queue"] != second["queue"]


def test_the_same_database_is_the_same_deployment():
    assert _settings_of("postgres://postgres@127.0.0.1:5432/maxloyalty_one") == _settings_of(
        "postgres://postgres@127.0.0.1:5432/maxloyalty_one"
    )


def test_a_named_deployment_uses_its_name():
    named = _settings_of("postgres://postgres@127.0.0.1:5432/maxloyalty_one", DEPLOYMENT_NAME="staging")

    assert named["cache"].startswith("staging:")
    assert named["queue"] == "staging-tasks"


def test_embedded_clusters_of_two_checkouts_differ_by_their_folder():
    one = deployment_name_for({"NAME": "maxloyalty", "HOST": "/home/a/maxloyalty/.data/pg", "PORT": ""})
    two = deployment_name_for({"NAME": "maxloyalty", "HOST": "/home/b/maxloyalty/.data/pg", "PORT": ""})

    assert one != two
