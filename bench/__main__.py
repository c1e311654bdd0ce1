"""`python -m bench [name ...]`: run the benchmarks (all by default) and write bench/out/results.json afresh."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time

from bench.results import RESULTS, reset_results, scale_name

# Each is a module of this package with run(scale_name) -> list of result entries; missing ones are skipped.
# soak after webhook: it uses its rate; page_budget after dashboard: it reuses its rows.
BENCHMARKS = (
    "loyalty_core",
    "webhook",
    "fraud_rules",
    "dashboard",
    "page_budget",
    "guest_search",
    "backtest",
    "routing",
    "soak",
    "campaign",
    "automation",
    "partition_migration",
)


def main(argv: list[str]) -> int:
    names = argv or [name for name in BENCHMARKS if importlib.util.find_spec(f"bench.{name}") is not None]
    unknown = [name for name in names if importlib.util.find_spec(f"bench.{name}") is None]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    scale = scale_name()
    reset_results()
    for name in names:
        began = time.monotonic()
        print(f"\n=== bench.{name} ({scale}) ===", flush=True)
        importlib.import_module(f"bench.{name}").run(scale)
        print(f"=== bench.{name} took {time.monotonic() - began:.0f} s ===", flush=True)
    print(f"\nResults: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
