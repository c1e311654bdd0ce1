"""The Grafana dashboard and the alert rules (deploy/monitoring/) ask only for series /metrics really exposes, and
every dashboard query is valid PromQL (checked by promtool, which `make test` installs; the rules themselves and
their unit tests run in `make lint`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
SUFFIXES = {"counter": [""], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}  # a counter's TYPE names _total


def dashboard_queries() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana" / "maxloyalty.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def alert_queries() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def exposed_series(db: None) -> set[str]:
    text = Client(HTTP_HOST="10.0.0.7").get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    families = re.findall(r"^# TYPE (maxloyalty_\w+) (\w+)$", text, flags=re.MULTILINE)
    return {name + suffix for name, kind in families for suffix in SUFFIXES[kind]}


def test_the_dashboard_and_the_alerts_ask_only_for_exposed_series(db):
    exposed = exposed_series(db)
    asked = {name for query in dashboard_queries() + alert_queries() for name in re.findall(r"maxloyalty_\w+", query)}

    assert len(asked) >= 10
    assert asked <= exposed, f"not exposed by /metrics: {sorted(asked - exposed)}"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool comes with Debian's prometheus (make test)")
def test_every_dashboard_query_is_valid_promql(tmp_path):
    queries = [{"record": f"dashboard:query{n}", "expr": query} for n, query in enumerate(dashboard_queries())]
    rules = {"groups": [{"name": "dashboard", "rules": queries}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(rules))

    checked = subprocess.run(  # promtool from PATH, our own file
        ["promtool", "check", "rules", str(tmp_path / "dashboard.yml")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
