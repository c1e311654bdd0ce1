"""API serializers live in each app's `api/serializers.py`: no `api/views.py` defines or builds one (issue #23)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _serializers_defined_in(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(base) for base in node.bases]
            if any(base.endswith(("Serializer", "ModelSerializer")) for base in bases):
                found.append(f"{path.relative_to(root)}:{node.lineno} class {node.name}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("inline_serializer"):
            found.append(f"{path.relative_to(root)}:{node.lineno} inline_serializer(...)")
    return found


def test_no_api_view_module_defines_a_serializer() -> None:
    views = sorted(ROOT.glob("*/api/views.py"))
    assert views, "no api/views.py found: the test would check nothing"
    misplaced = [place for path in views for place in _serializers_defined_in(path)]
    assert misplaced == [], "move these into the app's api/serializers.py:\n" + "\n".join(misplaced)


def test_the_check_sees_a_serializer_in_a_view_module(tmp_path: Path) -> None:
    module = tmp_path / "views.py"
    module.write_text("class GuestInput(serializers.Serializer):\n    pass\nx = inline_serializer(name='X')\n")
    assert len(_serializers_defined_in(module, tmp_path)) == 2
