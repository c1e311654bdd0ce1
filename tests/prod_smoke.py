"""The production stack without containers (`make prod-smoke`; run once in `make test` by tests/test_prod_smoke.py).

What the image and compose run, started as processes on this machine: gunicorn with the production settings behind
the machine's nginx (deploy/nginx/templates/maxloyalty.conf.template, a self-signed certificate), a Celery worker
and beat, each through the image's entry point (docker/entrypoint.sh), against the machine's PostgreSQL and Redis.
`run_smoke` signs in over HTTPS (a Secure session cookie works only if the proxy's scheme is believed), sends a
signed POS check, waits for the guest's points, reads /readyz and the metrics, and stops everything it started.

`python -m tests.prod_smoke` (what `make prod-smoke` runs) gives the test a database of its own, ml_prodsmoke_<random>:
pytest-django creates and migrates test_<that>, and drops it at the end. Within `make test` the suite's migrated test
database is used and the smoke's chain is dropped at the end, as the other process tests do.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import ssl
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil

from tests.process_harness import ROOT, free_port, running, sample_check, signed_request

NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "maxloyalty.conf.template"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
CERTIFICATE_SCRIPT = ROOT / "docker" / "self_signed_certificate.py"
PLATFORM_DOMAIN = "ml.test"  # the test settings' domain: the chain's host is <slug>.ml.test
BUDGET_SECONDS = 90.0


@dataclass
class SmokeChain:
    chain_id: int
    schema_name: str
    host: str
    connection_id: int
    secret: str
    owner_id: int
    owner_email: str
    owner_password: str
    guest_phone: str


@dataclass
class SmokeReport:
    """What the smoke saw, for the test's assertions and the command's output."""

    sign_in_cookie: str = ""
    signed_in_page_status: int = 0
    plain_http_status: int = 0
    plain_http_location: str = ""
    check_status: int = 0
    guest_points: int = 0
    readyz_status: int = 0
    readyz: dict[str, Any] = field(default_factory=dict)
    proxied_metrics_status: int = 0
    web_metrics: str = ""
    worker_metrics: str = ""
    beat_alive: bool = False
    left_running: list[str] = field(default_factory=list)
    seconds: float = 0.0


def create_smoke_chain(slug: str) -> SmokeChain:
    """A committed chain (its schema migrated), its owner, a restaurant, a signed-webhook connection and one guest,
    each made by its service."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.models import User
    from guests.services import create_guest
    from pos.services import create_connection
    from restaurants.services import create_restaurant
    from tenants.services import create_chain

    email, password, phone = f"owner@{slug}.test", secrets.token_urlsafe(16), "+79160000077"
    chain, owner = create_chain(name=f"Smoke {slug}", slug=slug, owner_email=email, owner_password=password)
    assert isinstance(owner, User)
    # The test settings hash with MD5 (fast), which production does not accept: store the hash production checks.
    User.objects.filter(pk=owner.pk).update(password=PBKDF2PasswordHasher().encode(password, secrets.token_hex(8)))
    with schema_context(chain.schema_name):
        restaurant = create_restaurant(actor=owner, name="Smoke Center", time_zone="Europe/Moscow")
        pos_connection, issued = create_connection(actor=owner, restaurant=restaurant, kind="webhook", name="smoke")
        create_guest(access=None, phone=phone, first_name="Smoke", card_number="5599000001")
    connection.set_schema_to_public()
    assert issued.signing_secret
    return SmokeChain(
        chain_id=chain.pk,
        schema_name=chain.schema_name,
        host=chain.host,
        connection_id=pos_connection.pk,
        secret=issued.signing_secret,
        owner_id=owner.pk,
        owner_email=email,
        owner_password=password,
        guest_phone=phone,
    )


def drop_smoke_chain(chain: SmokeChain) -> None:
    from tests.process_harness import WebhookChain, drop_chain

    drop_chain(
        WebhookChain(
            chain_id=chain.chain_id,
            schema_name=chain.schema_name,
            host=chain.host,
            connection_id=chain.connection_id,
            secret=chain.secret,
            owner_id=chain.owner_id,
        )
    )


def guest_points(chain: SmokeChain) -> int:
    """The guest's points as the ledger left them (available and pending)."""
    from django_tenants.utils import schema_context

    from loyalty.models import PointsAccount

    with schema_context(chain.schema_name):
        account = PointsAccount.objects.filter(guest__phone=chain.guest_phone).first()
        return 0 if account is None else account.available + account.pending


@dataclass
class Ports:
    https: int = field(default_factory=free_port)
    http: int = field(default_factory=free_port)
    web: int = field(default_factory=free_port)
    worker_metrics: int = field(default_factory=free_port)


def production_env(*, database_url: str, redis_url: str, encryption_keys: list[str], deployment: str) -> dict[str, str]:
    """The environment compose gives every process (docker/compose.yaml, x-app), for processes on this machine."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    for variable in ("DEBUG", "CELERY_QUEUE", "CELERY_TASK_ALWAYS_EAGER", "PROCESS_CACHE_PREFIX", "ROOT_URLCONF"):
        env.pop(variable, None)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="maxloyalty.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(48),
        FIELD_ENCRYPTION_KEYS=",".join(encryption_keys),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Its own Redis keys and Celery queue: a run never meets another run's or the suite's.
        DEPLOYMENT_NAME=deployment,
        PLATFORM_DOMAIN=PLATFORM_DOMAIN,
        ALLOWED_HOSTS=f"{PLATFORM_DOMAIN},.{PLATFORM_DOMAIN}",
        # The proxy in front: its X-Forwarded-Proto and its X-Forwarded-For are believed, nobody else's.
        TRUSTED_PROXY_SSL_HEADER="X-Forwarded-Proto",
        TRUSTED_PROXY_COUNT="1",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        PYTHONUNBUFFERED="1",
    )
    return env


def nginx_config(*, directory: Path, ports: Ports, certificate: Path, key: Path) -> Path:
    """nginx.conf for an unprivileged nginx whose every file is in `directory`, including the deployed server
    blocks (the compose proxy's template, rendered as the nginx image renders it)."""
    servers = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(
        NGINX_HTTPS_LISTEN=f"127.0.0.1:{ports.https}",
        NGINX_HTTP_LISTEN=f"127.0.0.1:{ports.http}",
        NGINX_CERTIFICATE=str(certificate),
        NGINX_CERTIFICATE_KEY=str(key),
        NGINX_UPSTREAM=f"127.0.0.1:{ports.web}",
    )
    (directory / "maxloyalty.conf").write_text(servers)
    temporary = {name: directory / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    config = directory / "nginx.conf"
    config.write_text(
        "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        f"    access_log {directory / 'access.log'};\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temporary.items())
        + f"    include {directory / 'maxloyalty.conf'};\n"
        "}\n"
    )
    return config


def nginx_command(config: Path) -> list[str]:
    program = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if program is None:
        raise RuntimeError("nginx is missing: `make browser` installs it (Debian's nginx-light)")
    # -e: the error log before the configuration is read (the default one under /var/log is not ours to write).
    return [program, "-p", str(config.parent), "-c", str(config), "-e", str(config.parent / "error.log")]


def entrypoint_command(*arguments: str) -> list[str]:
    return ["/bin/sh", str(ENTRYPOINT), *arguments]


def wait_for(
    what: str, probe: Callable[[], bool], *, deadline: float, started: dict[str, subprocess.Popen[bytes]] | None = None
) -> None:
    """Until `probe` says yes; failing at once, naming it, if a started process has exited meanwhile."""
    last: Exception | None = None
    while time.monotonic() < deadline:
        exited = [name for name, process in (started or {}).items() if process.poll() is not None]
        if exited:
            raise RuntimeError(f"prod smoke: {', '.join(exited)} exited (its log: test-artifacts/prod-smoke/)")
        try:
            if probe():
                return
        except (httpx.HTTPError, OSError) as error:
            last = error
        time.sleep(0.25)
    raise TimeoutError(f"prod smoke: {what} did not happen within the budget ({last})")


def processes_of(groups: list[int]) -> list[str]:
    """Live (not zombie) processes in the given process groups: what a run left behind."""
    alive = []
    for process in psutil.process_iter(["pid", "name", "status"]):
        try:
            if os.getpgid(process.pid) in groups and process.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.info['pid']} {process.info['name']}")
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise AssertionError("prod smoke: the sign-in page has no CSRF token")
    return found.group(1)


def run_smoke(*, chain: SmokeChain, env: dict[str, str], workdir: Path, logs: Path) -> SmokeReport:
    """Start the stack, go through it as a user and a POS would, stop it; what was seen is in the report."""
    started_at = time.monotonic()
    deadline = started_at + BUDGET_SECONDS
    report = SmokeReport()
    ports = Ports()
    certificate, key = (
        Path(line)
        for line in subprocess.run(
            [
                sys.executable,
                str(CERTIFICATE_SCRIPT),
                str(workdir / "tls"),
                PLATFORM_DOMAIN,
                f"*.{PLATFORM_DOMAIN}",
                "127.0.0.1",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split()
    )
    web_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{ports.web}",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "web-metrics"),
    }
    worker_env = {
        **env,
        "CELERY_METRICS_PORT": str(ports.worker_metrics),
        "CELERY_METRICS_ADDRESS": "127.0.0.1",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "worker-metrics"),
    }
    beat_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(workdir / "beat-metrics")}
    origin = f"https://{chain.host}:{ports.https}"
    groups: list[int] = []
    with ExitStack() as stack:
        # nginx's own folder, reachable by its workers: started by root, nginx runs them as an unprivileged user,
        # who could not pass through pytest's private temporary folders to the files it buffers.
        nginx_directory = Path(tempfile.mkdtemp(prefix="maxloyalty-prod-smoke-nginx-"))
        nginx_directory.chmod(0o755)
        stack.callback(shutil.rmtree, nginx_directory, ignore_errors=True)
        started: dict[str, subprocess.Popen[bytes]] = {}

        def start(command: list[str], *, env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
            process = stack.enter_context(running(command, env=env, log=logs / log))
            started[log.removesuffix(".log")] = process
            groups.append(process.pid)  # running() starts each in a session of its own: its pid is its group
            return process

        start(entrypoint_command("web"), env=web_env, log="web.log")
        worker_flags = ("--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat")
        start(entrypoint_command("worker", *worker_flags), env=worker_env, log="worker.log")
        beat = start(entrypoint_command("beat"), env=beat_env, log="beat.log")
        start(
            nginx_command(nginx_config(directory=nginx_directory, ports=ports, certificate=certificate, key=key)),
            env=env,
            log="nginx.log",
        )

        tls = ssl.create_default_context(cafile=str(certificate))
        with httpx.Client(
            base_url=f"https://127.0.0.1:{ports.https}",
            verify=tls,
            headers={"Host": f"{chain.host}:{ports.https}"},
            timeout=10,
        ) as client:
            wait_for(
                "the web process answering through the proxy",
                lambda: client.get("/healthz").status_code == 200,
                deadline=deadline,
                started=started,
            )

            plain = httpx.get(f"http://127.0.0.1:{ports.http}/accounts/login/", headers={"Host": chain.host}, timeout=5)
            report.plain_http_status, report.plain_http_location = plain.status_code, plain.headers.get("location", "")

            sign_in_page = client.get("/accounts/login/")
            signed_in = client.post(
                "/accounts/login/",
                data={
                    "email": chain.owner_email,
                    "password": chain.owner_password,
                    "csrfmiddlewaretoken": _csrf_token(sign_in_page.text),
                },
                headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
            )
            report.sign_in_cookie = next(
                (value for value in signed_in.headers.get_list("set-cookie") if value.startswith("sessionid=")), ""
            )
            report.signed_in_page_status = (
                client.get("/", follow_redirects=True).status_code
                if signed_in.status_code == 302
                else signed_in.status_code
            )

            body, headers = signed_request(chain.secret, sample_check("SMOKE-1", phone=chain.guest_phone, amount=1500))
            report.check_status = client.post(
                f"/api/v1/pos/webhooks/{chain.connection_id}", content=body, headers=headers
            ).status_code

            def has_points() -> bool:
                report.guest_points = guest_points(chain)
                return report.guest_points > 0

            wait_for("the guest's points after the check", has_points, deadline=deadline, started=started)

            readyz = client.get("/readyz")
            report.readyz_status, report.readyz = readyz.status_code, readyz.json()
            report.proxied_metrics_status = client.get("/metrics").status_code

        # Prometheus' view: each process directly, from an allowed network (METRICS_ALLOWED_NETWORKS: loopback here).
        report.web_metrics = httpx.get(f"http://127.0.0.1:{ports.web}/metrics", timeout=10).text
        report.worker_metrics = httpx.get(f"http://127.0.0.1:{ports.worker_metrics}/metrics", timeout=10).text
        report.beat_alive = beat.poll() is None
    # Every process has been stopped (running() terminates each, then kills its group if it lingers).
    wait_for("every started process to exit", lambda: not processes_of(groups), deadline=time.monotonic() + 15)
    report.left_running = processes_of(groups)
    report.seconds = time.monotonic() - started_at
    return report


def main() -> int:
    """`make prod-smoke`: the smoke test alone, on a database of its own that pytest-django creates and drops."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.test")
    import django
    from django.conf import settings

    django.setup()
    own = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/ml_prodsmoke_{secrets.token_hex(4)}"))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_prod_smoke.py",
        "-p",
        "no:cacheprovider",
        "--create-db",
        "-q",
    ]
    return subprocess.call(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": own})


if __name__ == "__main__":
    sys.exit(main())
