"""Services queue tasks by name (maxloyalty.task_queue): every name the code queues exists, a process that never
imported a tasks module still finds it, and an unknown name fails at the call instead of vanishing after commit."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from maxloyalty.task_queue import enqueue_after_commit, registered_task
from tests.test_import_layers import project_modules

ROOT = Path(__file__).resolve().parent.parent
QUEUEING_FUNCTIONS = {"enqueue", "enqueue_after_commit", "registered_task"}


def task_names_in_code() -> set[str]:
    """The literal task names passed to the queueing functions anywhere in the project (not tests)."""
    names = set()
    for path in project_modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if function in QUEUEING_FUNCTIONS and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def task_names_in_beat_schedule() -> set[str]:
    names = set()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        names.add(entry["task"])
        if entry["task"] == "tenants.tasks.run_in_every_chain":
            names.add(entry["args"][0])
    return names


def test_every_task_the_code_or_beat_queues_by_name_is_registered() -> None:
    names = task_names_in_code() | task_names_in_beat_schedule()
    assert "tenants.tasks.run_in_every_chain" in names  # the scan sees what it should
    missing = []
    for name in sorted(names):
        try:
            registered_task(name)
        except LookupError:
            missing.append(name)
    assert not missing, f"Queued by name but defined by no tasks module: {missing}"


@pytest.mark.django_db
def test_an_unknown_task_name_fails_at_the_call_inside_the_transaction() -> None:
    with pytest.raises(LookupError, match=r"guests\.tasks\.no_such_task"), transaction.atomic():
        enqueue_after_commit("guests.tasks.no_such_task", job_id=1)


def test_a_process_that_imported_no_tasks_module_finds_a_task_by_name() -> None:
    script = (
        "import sys, django; django.setup()\n"
        "assert 'guests.tasks' not in sys.modules, 'the check needs a process that has not imported it'\n"
        "from maxloyalty.task_queue import registered_task\n"
        "print(registered_task('guests.tasks.import_guests_job').name)\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "maxloyalty.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "guests.tasks.import_guests_job"
