"""The GitHub Actions workflow (.github/workflows/ci.yml) does what the README's CI/CD section says: `make test` on
every push and pull request, then the image is built and the production smoke runs against it, the image is pushed
only from the main branch and only after the smoke, and deploying is a manual run alone. actionlint (make lint)
checks the syntax; this checks the order and the conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "ci.yml"
ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def _workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _step_index(steps: list[dict[str, Any]], name: str) -> int:
    return next(index for index, step in enumerate(steps) if step.get("name") == name)


def test_every_push_and_pull_request_runs_make_test():
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers)
    test_steps = workflow["jobs"]["test"]["steps"]
    assert any(step.get("run") == "make test" for step in test_steps)


def test_the_image_is_built_smoked_and_pushed_only_from_main_after_the_smoke():
    image = _workflow()["jobs"]["image"]
    assert image["needs"] == "test"
    steps = image["steps"]
    build, smoke, push = (_step_index(steps, name) for name in ("Build", "Production smoke against the image", "Push"))
    assert build < smoke < push
    assert steps[smoke]["env"]["MAXLOYALTY_IMAGE"] == steps[build]["with"]["tags"]  # the smoke runs the built image
    assert "up --detach --no-build" in steps[smoke]["run"]
    assert steps[push]["if"] == ON_MAIN and steps[push]["with"]["push"] is True
    assert "if" not in steps[build] and "if" not in steps[smoke]


def test_deploying_is_a_manual_run_of_its_own():
    jobs = _workflow()["jobs"]
    assert jobs["deploy"]["if"] == "github.event_name == 'workflow_dispatch'"
    assert all(
        job["if"] == "github.event_name != 'workflow_dispatch'" for name, job in jobs.items() if name != "deploy"
    )
    assert "kubectl apply" in " ".join(str(step.get("run", "")) for step in jobs["deploy"]["steps"])
