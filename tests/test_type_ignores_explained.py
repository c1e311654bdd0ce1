"""Every `# type: ignore` in the code mypy checks names its error code and says why, on its own line:
`# type: ignore[attr-defined]  # reason`. mypy itself refuses one without a code (`ignore-without-code`) and one
that no longer silences anything (`warn_unused_ignores`); the reason is this test's to ask for.

Modules on the PENDING list of pyproject.toml's [tool.mypy] are not checked by mypy yet, nor here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_CHECKED = {".venv", ".data", "tests", "bench", "migrations", "staticfiles", "node_modules"}
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<rest>.*)$")
EXPLAINED = re.compile(r"^\[[a-z-]+(?:,\s*[a-z-]+)*\]\s+#\s*\S")


def _pending_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pending: list[str] = []
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("ignore_errors") and not any(".tests." in name for name in override["module"]):
            pending += override["module"]
    return pending


def _is_pending(module: str, pending: list[str]) -> bool:
    return any(
        module == name or (name.endswith(".*") and (module == name[:-2] or module.startswith(name[:-1])))
        for name in pending
    )


def _checked_files() -> list[Path]:
    files = []
    for path in sorted([*ROOT.rglob("*.py"), *ROOT.rglob("*.pyi")]):
        relative = path.relative_to(ROOT)
        if NOT_CHECKED & set(relative.parts) or relative.name == "conftest.py":
            continue
        files.append(path)
    return files


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_every_type_ignore_names_its_code_and_says_why() -> None:
    pending = _pending_modules()
    unexplained = []
    for path in _checked_files():
        if _is_pending(_module_of(path), pending):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found = IGNORE.search(line)
            if found and not EXPLAINED.match(found.group("rest")):
                unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "write `# type: ignore[code]  # why` on these lines:\n" + "\n".join(unexplained)


def test_the_check_reads_a_bare_ignore_as_unexplained() -> None:
    assert not EXPLAINED.match("")
    assert not EXPLAINED.match("[attr-defined]")
    assert EXPLAINED.match("[attr-defined]  # set by the middleware")
    assert EXPLAINED.match("[arg-type, call-arg]  # the stubs name the wrapper")
