"""docker/compose.yaml, the production-like stack, checked without Docker (the machines have none): valid against the
Compose Specification's JSON schema, every variable reference well formed, and the stack's rules: exactly one beat,
only the TLS proxy published (443), web reached through it alone, health checks on /healthz or /readyz, the proxy
trusted by the web settings because compose says so, Prometheus scraping every process and allowed to, Grafana
provisioned with the dashboard.

The schema is the one check-jsonschema ships (its vendored copy of compose-spec/compose-spec's schema).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker" / "compose.yaml"
PROMETHEUS = ROOT / "deploy" / "monitoring" / "prometheus.yml"
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `$NAME`; `$$` is a literal $.
REFERENCE = re.compile(
    r"\$(?:\$|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
ROLES_OF_THE_IMAGE = {"web", "worker", "beat", "bot", "migrate"}


def _compose(text: str | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text() if text is None else text)
    return loaded


def _schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text())
    return schema


def _schema_errors(document: dict[str, Any]) -> list[str]:
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def _interpolated(value: Any, env: dict[str, str]) -> Any:
    """What `docker compose config` makes of a value with `env` as the environment."""
    if isinstance(value, dict):
        return {key: _interpolated(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolated(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        default = re.match(r"\$\{[A-Za-z0-9_]+:?-(?P<default>[^}]*)\}", match.group(0))
        if name in env:
            return env[name]
        return default.group("default") if default else ""

    leftover = REFERENCE.sub("", value)
    assert "$" not in leftover, f"a malformed variable reference: {value!r}"
    return REFERENCE.sub(substitute, value)


SECRETS = {
    "SECRET_KEY": "k" * 20 + "-compose-test-secret-value-0123456789",
    "FIELD_ENCRYPTION_KEYS": "bXF4bG95YWx0eS10ZXN0LWtleS0wMDAwMDAwMDAwMDA=",
    "GRAFANA_ADMIN_PASSWORD": "compose-test",
}


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _interpolated(_compose(), SECRETS)["services"]
    return services


def _of_the_image(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: service for name, service in services.items() if service.get("build") and "entrypoint" not in service}


def test_the_compose_file_is_valid_against_the_compose_specification():
    assert _schema_errors(_compose()) == []
    assert _schema_errors(_interpolated(_compose(), SECRETS)) == []


def test_the_schema_check_catches_an_invalid_file():
    broken = _compose()
    broken["services"]["web"]["healthcheck"]["interval"] = {"seconds": 15}
    broken["services"]["beat"]["replicas"] = 2  # not a service attribute: `deploy.replicas` is
    assert len(_schema_errors(broken)) >= 2


def test_every_variable_reference_is_well_formed_and_required_secrets_are_demanded():
    text = COMPOSE.read_text()
    demanded = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS"} <= demanded
    _interpolated(_compose(), SECRETS)  # asserts on any malformed reference
    with pytest.raises(AssertionError, match="malformed"):
        _interpolated({"command": "echo ${BROKEN"}, {})


def test_exactly_one_beat_runs():
    services = _services()
    beats = [name for name, service in services.items() if "beat" in (service.get("command") or [])[:1]]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "scale" not in services["beat"]


def test_only_the_proxy_is_published_and_it_serves_https_on_443():
    services = _services()
    proxy_ports = [str(port) for port in services["proxy"]["ports"]]
    assert any(port.endswith(":443") for port in proxy_ports)
    assert "ports" not in services["web"]
    for name, service in services.items():
        if name == "proxy":
            continue
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_every_worker_queue_set_is_consumed_and_the_workers_report_metrics():
    services = _of_the_image(_services())
    workers = {name: service for name, service in services.items() if service["command"][0] == "worker"}
    assert set(workers) == {"worker-pos", "worker-messaging", "worker-background"}
    for name, worker in workers.items():
        command = worker["command"]
        assert command[1] == "-Q" and command[2], name
        assert worker["environment"]["CELERY_METRICS_PORT"] == "9100"


def test_every_service_of_the_image_names_a_role_of_its_entry_point():
    roles = set(re.findall(r"^\s+([a-z]+)\)$", (ROOT / "docker" / "entrypoint.sh").read_text(), re.MULTILINE))
    assert roles == ROLES_OF_THE_IMAGE
    for name, service in _of_the_image(_services()).items():
        assert service["command"][0] in roles, name


def test_http_health_checks_ask_healthz_or_readyz():
    services = _services()
    for name in ("web", "proxy"):
        check = " ".join(services[name]["healthcheck"]["test"])
        assert re.search(r"/(healthz|readyz)\b", check), name
    for name, service in _of_the_image(services).items():
        assert service.get("healthcheck") or name in {"migrate", "bot"}, f"{name} has no health check"


def _production_proxy_header(env: dict[str, str]) -> str:
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TRUSTED_PROXY"))}
    keep.update({key: str(value) for key, value in env.items()}, DATABASE_URL="postgres://compose@127.0.0.1:1/never")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_COUNT, s.SECURE_SSL_REDIRECT)",
        ],
        cwd=ROOT,
        env=keep,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_web_trusts_the_proxys_scheme_because_compose_says_a_proxy_is_there():
    web = _services()["web"]["environment"]
    assert _production_proxy_header(web) == "('HTTP_X_FORWARDED_PROTO', 'https') 1 True"
    # The same settings without the proxy named: a client's X-Forwarded-Proto is believed by no one.
    without = {
        key: value for key, value in web.items() if key not in {"TRUSTED_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT"}
    }
    assert _production_proxy_header(without) == "None 0 True"


def test_the_proxy_renders_every_variable_its_template_uses():
    template = (ROOT / "deploy" / "nginx" / "templates" / "maxloyalty.conf.template").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)\}", template))
    assert used == set(_services()["proxy"]["environment"])


def test_prometheus_scrapes_web_and_every_worker_and_may_read_their_metrics():
    services = _services()
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = {
        target for job in config["scrape_configs"] for static in job["static_configs"] for target in static["targets"]
    }
    workers = {name for name, service in _of_the_image(services).items() if service["command"][0] == "worker"}
    assert targets == {"web:8000"} | {f"{name}:9100" for name in workers}
    address = services["prometheus"]["networks"]["backend"]["ipv4_address"]
    assert f"{address}/32" in services["web"]["environment"]["METRICS_ALLOWED_NETWORKS"].split(",")


def test_prometheus_config_and_its_alert_rules_pass_promtool():
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make browser` installs it (Debian's prometheus)"
    result = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_is_provisioned_with_the_dashboard_and_prometheus():
    grafana = _services()["grafana"]
    mounts = dict(volume.split(":")[:2] for volume in grafana["volumes"])
    dashboards_at = mounts["../deploy/monitoring/grafana"]
    provisioning = ROOT / "deploy" / "monitoring" / "grafana-provisioning"
    provider = yaml.safe_load((provisioning / "dashboards" / "maxloyalty.yml").read_text())["providers"][0]
    assert provider["options"]["path"] == dashboards_at
    assert json.loads((ROOT / "deploy" / "monitoring" / "grafana" / "maxloyalty.json").read_text())["uid"]
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert (source["type"], source["url"], source["isDefault"]) == ("prometheus", "http://prometheus:9090", True)
    assert mounts["../deploy/monitoring/grafana-provisioning"] == "/etc/grafana/provisioning"


def test_the_apps_keep_chain_files_in_minios_bucket_made_before_they_start():
    services = _services()
    bucket_maker = services["minio-bucket"]
    made = bucket_maker["environment"]["S3_BUCKET"]
    assert "mc mb --ignore-existing" in " ".join(bucket_maker["command"])
    assert bucket_maker["depends_on"]["minio"]["condition"] == "service_healthy"
    for name, service in _of_the_image(services).items():
        environment = service["environment"]
        assert environment["S3_BUCKET"] == made, name
        assert environment["S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert environment["S3_ACCESS_KEY_ID"] == services["minio"]["environment"]["MINIO_ROOT_USER"], name
        if name != "migrate":
            assert service["depends_on"]["minio-bucket"]["condition"] == "service_completed_successfully", name
        assert not any("media" in str(volume) for volume in service.get("volumes", [])), name
    # Signed links name the address a browser reaches MinIO at: its API is published there (on loopback).
    public = services["web"]["environment"]["S3_PUBLIC_ENDPOINT_URL"]
    assert public.rsplit(":", 1)[1] in [str(port).split(":")[-1] for port in services["minio"]["ports"]]
