"""The Vector configuration that ships the JSON log lines (deploy/logging/) is wired end to end: with either source
file, every component's inputs exist, every input reaches both sinks (Elasticsearch and Loki, endpoints from the
environment), Loki's labels are bounded values only, the remap knows the context fields our JSON lines carry, and
the pods and containers the sources select are the ones the manifests and compose define. (Vector itself is not
installed here: this checks the structure, not Vector's own validation.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LOGGING_DIR = ROOT / "deploy" / "logging"
SOURCE_FILES = ["source-kubernetes.yaml", "source-docker.yaml"]
CONTEXT_FIELDS = {"request_id", "chain", "user_id", "task_name", "task_id"}  # maxloyalty.request_context
BOUNDED_LABEL_FIELDS = {"app", "component", "level"}


def merged_config(source_file: str) -> dict[str, dict[str, Any]]:
    """vector.yaml and one source file, merged as `vector --config A --config B` does (an id defined twice is an
    error there, and here)."""
    merged: dict[str, dict[str, Any]] = {"sources": {}, "transforms": {}, "sinks": {}}
    for name in ("vector.yaml", source_file):
        loaded = yaml.safe_load((LOGGING_DIR / name).read_text())
        for kind in merged:
            for component_id, component in (loaded.get(kind) or {}).items():
                assert all(component_id not in merged[other] for other in merged), f"{component_id} defined twice"
                merged[kind][component_id] = component
    return merged


def reaches(config: dict[str, dict[str, Any]], start: str) -> set[str]:
    """The ids of the components downstream of `start`."""
    downstream: set[str] = set()
    frontier = {start}
    while frontier:
        frontier = {
            component_id
            for kind in ("transforms", "sinks")
            for component_id, component in config[kind].items()
            if frontier & set(component["inputs"]) and component_id not in downstream
        }
        downstream |= frontier
    return downstream


@pytest.mark.parametrize("source_file", SOURCE_FILES)
def test_every_input_exists_and_every_source_reaches_both_sinks(source_file):
    config = merged_config(source_file)
    known = set(config["sources"]) | set(config["transforms"])

    for kind in ("transforms", "sinks"):
        for component_id, component in config[kind].items():
            assert component["inputs"], f"{component_id} has no inputs"
            assert set(component["inputs"]) <= known, f"{component_id} reads a component that does not exist"
    assert config["sources"], "no source"
    for source_id in config["sources"]:
        assert set(config["sinks"]) <= reaches(config, source_id), f"{source_id} does not reach every sink"
    for transform_id in config["transforms"]:
        assert reaches(config, transform_id) & set(config["sinks"]), f"{transform_id} leads nowhere"


def test_the_sinks_are_elasticsearch_and_loki_with_endpoints_from_the_environment():
    sinks = yaml.safe_load((LOGGING_DIR / "vector.yaml").read_text())["sinks"]
    by_type = {sink["type"]: sink for sink in sinks.values()}

    assert set(by_type) == {"elasticsearch", "loki"}
    assert all(re.fullmatch(r"\$\{[A-Z_]+\}", endpoint) for endpoint in by_type["elasticsearch"]["endpoints"])
    assert re.fullmatch(r"\$\{[A-Z_]+\}", by_type["loki"]["endpoint"])
    assert all(sink["buffer"]["type"] == "disk" for sink in sinks.values())  # an outage of one loses nothing


def test_loki_labels_are_bounded_values_only():
    sinks = yaml.safe_load((LOGGING_DIR / "vector.yaml").read_text())["sinks"].values()
    loki = next(sink for sink in sinks if sink["type"] == "loki")
    fields = {field for template in loki["labels"].values() for field in re.findall(r"\{\{\s*(\w+)\s*\}\}", template)}

    assert fields == BOUNDED_LABEL_FIELDS  # never the chain, a request, a user or a task: each would be a stream
    assert not CONTEXT_FIELDS & (fields | set(loki["labels"]))


def test_the_remap_knows_the_fields_our_json_lines_carry_and_bounds_the_labels():
    json_format = settings.LOGGING["formatters"]["json"]
    renamed = json_format["rename_fields"]
    emitted = {renamed.get(field, field) for field in re.findall(r"%\((\w+)\)s", json_format["fmt"])}
    remap = yaml.safe_load((LOGGING_DIR / "vector.yaml").read_text())["transforms"]["maxloyalty_parsed"]["source"]

    assert emitted >= CONTEXT_FIELDS  # RequestContextFilter's fields are in every JSON line
    assert {"time", "level", "message"} <= emitted
    for field in CONTEXT_FIELDS:  # "-" (does not apply) is dropped, so each field keeps one type in Elasticsearch
        assert f'if .{field} == "-" {{ del(.{field}) }}' in remap
    assert "parse_json(.message)" in remap and "parse_timestamp(.time" in remap
    for field in BOUNDED_LABEL_FIELDS:
        assert f".{field} =" in remap  # each label field is always set


def _pod_templates() -> list[dict[str, Any]]:
    templates = []
    for manifest in sorted((ROOT / "deploy" / "kubernetes" / "base").glob("*.yaml")):
        for document in yaml.safe_load_all(manifest.read_text()):
            if not document or document.get("kind") not in {"Deployment", "StatefulSet", "Job", "CronJob"}:
                continue
            spec = document["spec"]
            if document["kind"] == "CronJob":
                spec = spec["jobTemplate"]["spec"]
            templates.append(spec["template"])
    return templates


def test_the_kubernetes_source_selects_every_pod_of_the_manifests_with_its_component():
    source = yaml.safe_load((LOGGING_DIR / "source-kubernetes.yaml").read_text())["sources"]["kubernetes_pods"]
    key, value = source["extra_label_selector"].split("=")
    templates = _pod_templates()

    assert templates
    for template in templates:
        labels = template["metadata"]["labels"]
        assert labels.get(key) == value
        assert labels.get("app.kubernetes.io/component")  # the Loki label `component`, bounded by the manifests


def test_the_docker_source_keeps_the_services_compose_runs_our_image_as():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    ours = {name for name, service in compose["services"].items() if "build" in service}  # <<: *app included
    remap = yaml.safe_load((LOGGING_DIR / "source-docker.yaml").read_text())["transforms"]["containers"]["source"]
    kept = set(re.findall(r'"([\w-]+)"', re.search(r"includes\(\[([^\]]*)\]", remap).group(1)))  # type: ignore[union-attr]

    assert kept == ours
