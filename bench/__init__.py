"""Benchmarks run by `make bench` (`python -m bench`): each module measures something beside its own baseline.

A benchmark is a module in this package with `run(scale_name: str | None = None) -> list[dict]` that prints its
table and appends its entries ({"name", "value", "unit", "baseline", "baseline_value", "ratio", "scale"}) to
bench/out/results.json (bench.results.append_results). `python -m bench` runs those listed in
bench.__main__.BENCHMARKS; BENCH_SCALE=small makes every one a quick run (the default is the full scale).
bench.webhook_stages is a diagnostic, not one of them (`make bench-stages`): where a webhook check's CPU goes.
"""
