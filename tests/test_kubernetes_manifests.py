"""The Kubernetes manifests (deploy/kubernetes), rendered as an operator renders them, keep their promises.

Each overlay is rendered by `kubectl kustomize` (the same rendering `make lint` validates against the pinned
Kubernetes schemas) and checked: every container has a liveness and a readiness probe, CPU and memory requests and
limits, runs as non-root with a read-only root file system; beat has one replica and the Recreate strategy; the
migration Job runs migrate_schemas; no secret value is written in a manifest; each workload's worker consumes and
is scaled on its own Celery queues; and the production settings start from the environment the pods get.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from maxloyalty.task_routes import ANALYTICS, BILLING, MAINTENANCE, MESSAGING, POS, queue_names

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("staging", "production")
SECRET = "maxloyalty-secrets"
# Values that must never be written in a manifest: the production settings' secrets and every credential.
SECRET_NAMES = {
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "ANALYTICS_DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "JWT_SIGNING_KEY",
    "EMAIL_HOST_PASSWORD",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "YOOKASSA_SHOP_ID",
    "YOOKASSA_SECRET_KEY",
}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}

Doc = dict[str, Any]


@cache
def rendered(overlay: str) -> tuple[Doc, ...]:
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is missing: its `kubectl kustomize` renders deploy/kubernetes (README, Operations).")
    out = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


def pod_spec(doc: Doc) -> Doc:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def named(docs: tuple[Doc, ...] | list[Doc], kind: str, name: str) -> Doc:
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
    return found[0]


def container_problems(docs: tuple[Doc, ...] | list[Doc]) -> list[str]:
    """What breaks the rules every container must follow (an empty list: none)."""
    problems = []
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        spec = pod_spec(doc)
        pod_security = spec.get("securityContext", {})
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{doc['kind']}/{doc['metadata']['name']} container {container['name']}"
            security = container.get("securityContext", {})
            problems += [
                f"{where}: no {probe}" for probe in ("livenessProbe", "readinessProbe") if probe not in container
            ]
            resources = container.get("resources", {})
            problems += [
                f"{where}: no {resource} in {bound}"
                for bound in ("requests", "limits")
                for resource in ("cpu", "memory")
                if resource not in resources.get(bound, {})
            ]
            if not security.get("runAsNonRoot", pod_security.get("runAsNonRoot", False)):
                problems.append(f"{where}: may run as root")
            if security.get("runAsUser", pod_security.get("runAsUser")) == 0:
                problems.append(f"{where}: runs as uid 0")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root file system is writable")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities not dropped")
            mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            if "/tmp" not in mounts:
                problems.append(f"{where}: no writable /tmp")
    return problems


def secret_problems(docs: tuple[Doc, ...] | list[Doc]) -> list[str]:
    """Secret values written into the manifests, or taken from anywhere but the Secret the operator creates."""
    problems = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "Secret":
            problems.append(f"{name}: a Secret in the manifests (its values would be in git)")
        if doc["kind"] == "ConfigMap":
            problems += [f"{name}: holds {key}" for key in SECRET_NAMES & set(doc.get("data", {}))]
        if doc["kind"] not in WORKLOADS:
            continue
        for container in pod_spec(doc)["containers"]:
            for variable in container.get("env", []):
                if variable["name"] in SECRET_NAMES and "valueFrom" not in variable:
                    problems.append(f"{name}: {variable['name']} written inline")
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference and reference["name"] != SECRET:
                    problems.append(f"{name}: {variable['name']} from the Secret {reference['name']}")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_limits_and_runs_unprivileged(overlay: str) -> None:
    docs = rendered(overlay)
    containers = [c["name"] for doc in docs if doc["kind"] in WORKLOADS for c in pod_spec(doc)["containers"]]
    assert sorted(containers) == ["beat", "migrate", "web", "worker", "worker", "worker"]
    assert container_problems(docs) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_beat_runs_once_and_migrations_run_as_a_job(overlay: str) -> None:
    docs = rendered(overlay)
    beat = named(docs, "Deployment", "maxloyalty-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(beat)["containers"][0]["command"][:4] == ["celery", "-A", "maxloyalty", "beat"]
    assert not [doc for doc in docs if doc.get("spec", {}).get("scaleTargetRef", {}).get("name") == "maxloyalty-beat"]

    migrate = named(docs, "Job", "maxloyalty-migrate")
    assert pod_spec(migrate)["containers"][0]["command"] == ["python", "manage.py", "migrate_schemas", "--noinput"]
    assert migrate["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    # The deploy applies the Job alone (by this label) before the workloads: nothing else carries it.
    assert [
        doc["kind"] for doc in docs if doc["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "migrate"
    ] == ["Job"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_in_the_manifests(overlay: str) -> None:
    docs = rendered(overlay)
    assert secret_problems(docs) == []
    web = pod_spec(named(docs, "Deployment", "maxloyalty-web"))["containers"][0]
    required = {v["name"] for v in web["env"] if not v["valueFrom"]["secretKeyRef"].get("optional", False)}
    assert required == {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_is_probed_spread_autoscaled_and_served_over_tls(overlay: str) -> None:
    docs = rendered(overlay)
    web = named(docs, "Deployment", "maxloyalty-web")
    container = pod_spec(web)["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "replicas" not in web["spec"]  # the autoscaler owns it

    hpa = named(docs, "HorizontalPodAutoscaler", "maxloyalty-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "maxloyalty-web"
    assert {metric["type"] for metric in hpa["spec"]["metrics"]} == {"Resource", "Pods"}
    assert hpa["spec"]["minReplicas"] >= 1

    labels = web["spec"]["selector"]["matchLabels"]
    assert named(docs, "PodDisruptionBudget", "maxloyalty-web")["spec"]["selector"]["matchLabels"] == labels
    assert named(docs, "Service", "maxloyalty-web")["spec"]["selector"] == labels

    ingress = named(docs, "Ingress", "maxloyalty")
    domain = config_of(docs)["PLATFORM_DOMAIN"]
    assert set(ingress["spec"]["tls"][0]["hosts"]) == {domain, f"*.{domain}"}
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == {domain, f"*.{domain}"}


def config_of(docs: tuple[Doc, ...]) -> dict[str, str]:
    return next(doc for doc in docs if doc["kind"] == "ConfigMap")["data"]


WORKERS = {  # Deployment → the workloads it serves (maxloyalty/task_routes.py), most urgent first
    "maxloyalty-worker-pos": (POS,),
    "maxloyalty-worker-messaging": (MESSAGING,),
    "maxloyalty-worker-background": (BILLING, ANALYTICS, MAINTENANCE),
}


def expanded(argument: str, environment: dict[str, str]) -> str:
    """A command argument as the kubelet runs it: $(NAME) replaced by the container's variable."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda match: environment[match.group(1)], argument)


def consumed_queues(command: list[str], environment: dict[str, str]) -> list[str]:
    """The queues a `celery worker` command consumes (its --queues), expanded."""
    return expanded(command[command.index("--queues") + 1], environment).split(",")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_workload_has_its_worker_scaled_on_its_own_queues(overlay: str) -> None:
    docs = rendered(overlay)
    config = config_of(docs)
    assert "CELERY_QUEUE" not in config  # queues are named from DEPLOYMENT_NAME in the workers' commands
    base = f"{config['DEPLOYMENT_NAME']}-tasks"  # CELERY_QUEUE's default (maxloyalty/settings/base.py)
    served: list[str] = []
    for worker, workloads in WORKERS.items():
        deployment = named(docs, "Deployment", worker)
        assert "replicas" not in deployment["spec"]  # KEDA owns it
        container = pod_spec(deployment)["containers"][0]
        assert container["command"][:4] == ["celery", "-A", "maxloyalty", "worker"]
        queues = consumed_queues(container["command"], config)
        assert queues == queue_names(base, workloads)
        served += queues
        # Its metrics (observability.signals): served by the worker on the port Prometheus is told to scrape.
        env = {variable["name"]: variable.get("value") for variable in container["env"]}
        assert "CELERY_QUEUE" not in env
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert env["CELERY_METRICS_PORT"] == annotations["prometheus.io/port"] == "9100"
        assert env["CELERY_METRICS_ADDRESS"] == "0.0.0.0"  # noqa: S104  the pod's own address, inside the cluster
        scaled = named(docs, "ScaledObject", worker)
        assert scaled["spec"]["scaleTargetRef"]["name"] == worker
        assert [trigger["metadata"]["listName"] for trigger in scaled["spec"]["triggers"]] == queues
    # Every queue tasks are routed to has exactly one worker Deployment.
    assert sorted(served) == sorted(queue_names(base))


def test_the_checks_catch_what_they_guard() -> None:
    docs = [copy.deepcopy(doc) for doc in rendered("production")]
    web = pod_spec(named(docs, "Deployment", "maxloyalty-web"))["containers"][0]
    del web["readinessProbe"]
    del web["resources"]["limits"]["memory"]
    web["securityContext"]["readOnlyRootFilesystem"] = False
    web["env"].append({"name": "SECRET_KEY", "value": "written-in-git"})
    docs.append({"kind": "Secret", "metadata": {"name": "leaked"}, "data": {"SECRET_KEY": "eA=="}})
    assert container_problems(docs) == [
        "Deployment/maxloyalty-web container web: no readinessProbe",
        "Deployment/maxloyalty-web container web: no memory in limits",
        "Deployment/maxloyalty-web container web: root file system is writable",
    ]
    assert secret_problems(docs) == [
        "Deployment/maxloyalty-web: SECRET_KEY written inline",
        "Secret/leaked: a Secret in the manifests (its values would be in git)",
    ]


def test_production_settings_start_from_what_the_pods_get(tmp_path: Path) -> None:
    """The ConfigMap plus the Secret's required keys are enough for maxloyalty.settings.prod, and behind the
    ingress it believes the forwarded scheme (otherwise every request would be redirected to HTTPS)."""
    docs = rendered("production")
    web = pod_spec(named(docs, "Deployment", "maxloyalty-web"))["containers"][0]
    required = [v["name"] for v in web["env"] if not v["valueFrom"]["secretKeyRef"].get("optional", False)]
    secrets = {
        "SECRET_KEY": "k" * 40,
        "FIELD_ENCRYPTION_KEYS": "bXF4bG95YWx0eS10ZXN0LWtleS0wMDAwMDAwMDAwMDA=",
        "DATABASE_URL": "postgres://maxloyalty@127.0.0.1:1/never_connected",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    env = {"PATH": os.environ["PATH"], **config_of(docs), **{name: secrets[name] for name in required}}
    env.update(HOME=str(tmp_path), PROMETHEUS_MULTIPROC_DIR=str(tmp_path), MEDIA_ROOT=str(tmp_path / "media"))
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.DEPLOYMENT_NAME, s.CELERY_TASK_DEFAULT_QUEUE, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == (
        "('HTTP_X_FORWARDED_PROTO', 'https') maxloyalty-prod maxloyalty-prod-tasks False"
    )


WORKLOAD_COMPONENTS = ("web", "worker-pos", "worker-messaging", "worker-background", "beat")


def test_the_deploy_job_migrates_before_it_rolls_out_the_workloads() -> None:
    """.github/workflows/ci.yml applies the release in two steps by label: first everything but the workloads (the
    migration Job among them) and waits for the Job, then the workloads. The labels split the release that way."""
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    components = ",".join(WORKLOAD_COMPONENTS)
    first = workflow.index(f"-l 'app.kubernetes.io/component notin ({components})'")
    assert first < workflow.index("get job maxloyalty-migrate") < workflow.index(f"component in ({components})'")

    def component(doc: Doc) -> str | None:
        return doc["metadata"].get("labels", {}).get("app.kubernetes.io/component")

    docs = rendered("production")
    assert {doc["kind"] for doc in docs if component(doc) not in WORKLOAD_COMPONENTS} == {
        "Namespace",
        "ConfigMap",
        "TriggerAuthentication",
        "Job",
    }
    assert {doc["kind"] for doc in docs if component(doc) in WORKLOAD_COMPONENTS} == {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Ingress",
        "ScaledObject",
    }
    assert all(component(doc) for doc in docs if doc["kind"] == "Deployment")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_keeps_chain_files_in_the_overlays_bucket_not_on_a_shared_volume(overlay: str) -> None:
    docs = rendered(overlay)
    config = config_of(docs)
    assert config["S3_BUCKET"] == f"maxloyalty-{'prod' if overlay == 'production' else overlay}-files"
    assert "MEDIA_ROOT" not in config
    assert [doc for doc in docs if doc["kind"] == "PersistentVolumeClaim"] == []
    with_pods = [doc for doc in docs if doc["kind"] in {"Deployment", "Job", "CronJob"}]
    assert with_pods
    for doc in with_pods:
        spec = pod_spec(doc)
        assert not [volume for volume in spec.get("volumes", []) if "persistentVolumeClaim" in volume]
        for container in spec["containers"]:
            keys = {item["name"]: item for item in container.get("env", [])}
            for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):  # or the pod's cloud role: optional
                assert keys[name]["valueFrom"]["secretKeyRef"]["optional"] is True, doc["metadata"]["name"]
