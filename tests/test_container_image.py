"""The production image as docker/Dockerfile builds it, checked without Docker (the machines have none; CI builds
it): two stages, a non-root runtime with a health check, translations compiled and static files collected in the
build, a build context without local environments or secrets, and an entry point that picks the process by name.

The Dockerfile is read by `dockerfile`, which wraps BuildKit's own parser, so what is checked is what Docker reads.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from pathlib import Path

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def _stages(path: Path = DOCKERFILE) -> list[list[dockerfile.Command]]:
    stages: list[list[dockerfile.Command]] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(command)
    return stages


def _instructions(stage: list[dockerfile.Command], name: str) -> list[dockerfile.Command]:
    return [command for command in stage if command.cmd == name]


def _run_lines(stage: list[dockerfile.Command]) -> str:
    return "\n".join(" ".join(command.value) for command in _instructions(stage, "RUN"))


def test_the_image_is_built_in_stages_and_the_runtime_copies_from_the_builder():
    stages = _stages()
    assert len(stages) >= 2
    builder_name = stages[0][0].value[-1]
    copies_from = {flag for command in _instructions(stages[-1], "COPY") for flag in command.flags}
    assert f"--from={builder_name}" in copies_from


def test_translations_are_compiled_and_static_files_collected_in_the_build():
    builds = "\n".join(_run_lines(stage) for stage in _stages()[:-1])
    assert "manage.py compilemessages" in builds
    assert "manage.py collectstatic --noinput" in builds
    # Nothing of the build's tooling is installed again where the processes run.
    assert "gettext" not in _run_lines(_stages()[-1])


def test_the_runtime_stage_runs_as_an_unprivileged_user():
    users = _instructions(_stages()[-1], "USER")
    assert users, "the runtime stage sets no USER: the processes would run as root"
    user = users[-1].value[0].split(":")[0]
    assert user not in {"root", "0"}
    # Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert user.isdigit()


def test_the_runtime_stage_checks_the_web_process_health_on_healthz():
    (check,) = _instructions(_stages()[-1], "HEALTHCHECK")
    assert check.value[0] == "CMD"
    assert "/healthz" in " ".join(check.value)


def test_the_entry_point_is_the_role_script_and_web_is_the_default():
    runtime = _stages()[-1]
    (entrypoint,) = _instructions(runtime, "ENTRYPOINT")
    (command,) = _instructions(runtime, "CMD")
    assert entrypoint.value == ("/app/docker/entrypoint.sh",)
    assert command.value == ("web",)
    assert os.access(ENTRYPOINT, os.X_OK)


def _ignored_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def _is_ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for the paths tested here: a pattern matches the path or one of its parent folders."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.removeprefix("!").removeprefix("**/")
        if any(
            fnmatch.fnmatchcase(prefix, bare) or fnmatch.fnmatchcase(prefix.split("/")[-1], bare) for prefix in prefixes
        ):
            ignored = not negated
    return ignored


@pytest.mark.parametrize("path", [".venv/bin/python", ".data/pg/PG_VERSION", ".git/HEAD", ".env", ".env.production"])
def test_the_build_context_leaves_out_local_environments_data_history_and_secrets(path):
    assert _is_ignored(path, _ignored_patterns())


def test_everything_the_dockerfile_copies_by_name_is_in_the_build_context():
    named = [
        source
        for stage in _stages()
        for command in _instructions(stage, "COPY")
        if not command.flags
        for source in command.value[:-1]
        if source != "."
    ]
    assert named
    patterns = _ignored_patterns()
    for path in [
        *named,
        "docker/entrypoint.sh",
        "manage.py",
        "maxloyalty/settings/prod.py",
        "locale/ru/LC_MESSAGES/django.po",
    ]:
        assert not _is_ignored(path, patterns), path


def _fake_programs(folder: Path) -> dict[str, str]:
    """gunicorn, celery and python stand-ins that print how they were called, first on PATH."""
    for program in ("gunicorn", "celery", "python"):
        script = folder / program
        script.write_text(f'#!/bin/sh\necho {program} "$@"\n')
        script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "LOG_LEVEL": "INFO"}


@pytest.mark.parametrize(
    ("arguments", "started"),
    [
        ([], "gunicorn --config python:maxloyalty.gunicorn_config --access-logfile - maxloyalty.wsgi:application"),
        (["web"], "gunicorn --config python:maxloyalty.gunicorn_config --access-logfile - maxloyalty.wsgi:application"),
        (["worker", "-Q", "pos"], "celery -A maxloyalty worker --loglevel INFO -Q pos"),
        (["beat"], "celery -A maxloyalty beat --loglevel INFO"),
        (["bot", "--chain", "demo"], "python manage.py run_bot --chain demo"),
        (["migrate"], "python manage.py migrate_schemas --noinput"),
        (["python", "manage.py", "check"], "python manage.py check"),
    ],
)
def test_the_entry_point_starts_the_process_its_first_argument_names(tmp_path, arguments, started):
    env = _fake_programs(tmp_path)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    result = subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *arguments], env=env, capture_output=True, text=True, timeout=10, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == started
    assert (tmp_path / "prometheus").is_dir()  # each process finds its metrics folder, on a read-only root too
