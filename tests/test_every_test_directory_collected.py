"""Every app's tests run in make test: pytest collects only the directories listed in pyproject's testpaths, so a
new app whose tests/ is not listed would pass CI without ever running them."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_app_tests_directory_is_in_testpaths():
    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    apps_with_tests = {path.parent.name for path in ROOT.glob("*/tests") if any(path.glob("test_*.py"))}
    apps_with_tests.discard("tests")

    assert apps_with_tests - testpaths == set()
