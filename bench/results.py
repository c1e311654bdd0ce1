"""What every benchmark shares: the scale setting, percentiles, result entries, results.json and the table."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
RESULTS = OUT / "results.json"


def scale_name(requested: str | None = None) -> str:
    name = requested or os.environ.get("BENCH_SCALE", "full")
    if name not in ("small", "full"):
        raise SystemExit(f"BENCH_SCALE must be 'small' or 'full', not {name!r}")
    return name


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.processes")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 = median, 0.99 = p99)."""
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def entry(name: str, value: float, unit: str, *, baseline: str, baseline_value: float, scale: str) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 3),
        "ratio": round(value / baseline_value, 3) if baseline_value else None,
        "scale": scale,
    }


def reset_results() -> None:
    """Start a fresh results.json (python -m bench does this before running the benchmarks)."""
    OUT.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("[]\n")


def append_results(entries: Sequence[dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    existing: list[dict[str, Any]] = []
    if RESULTS.exists():
        try:
            existing = json.loads(RESULTS.read_text())
        except ValueError:
            existing = []
    RESULTS.write_text(json.dumps([*existing, *entries], indent=2) + "\n")


def print_table(title: str, rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> None:
    table = [list(header)] if header else []
    table += [list(row) for row in rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    print(f"\n{title}")
    for number, row in enumerate(table):
        print(
            "  "
            + "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if header and number == 0:
            print("  " + "  ".join("-" * width for width in widths))
    sys.stdout.flush()
