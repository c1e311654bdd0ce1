"""gunicorn's configuration, for production and for the tests and benchmarks that start it:
`gunicorn -c python:maxloyalty.gunicorn_config maxloyalty.wsgi:application` (flags given after it win).

gthread workers: each process serves `threads` requests at once, so the POS webhooks that its threads acknowledge
at the same moment share one INSERT and one commit (pos.webhook_intake's group commit); each thread has its own
database connection and tenant (django-tenants sets the schema per connection). One process per core is enough:
a thread waiting for PostgreSQL releases the GIL to the others.
"""

import os
from pathlib import Path
from typing import Any

from gunicorn import glogging

from maxloyalty.log_redaction import SecretRedactingFilter

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = 2048
keepalive = 5  # seconds a POS's (or the proxy's) idle connection stays open for its next request
# Whether a request came over HTTPS is Django's decision alone (TRUSTED_PROXY_SSL_HEADER, maxloyalty/settings): by
# default gunicorn believes X-Forwarded-Proto from 127.0.0.1, so a proxy (or anyone) on the same host would make a
# request HTTPS whatever the settings say. tests/test_prod_smoke.py's proxy is on the same host.
secure_scheme_headers: dict[str, str] = {}


class RedactingLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn ships no types: its Logger is Any
    """gunicorn's own loggers (errors, and the access log with every request line and query string) pass each
    record through the same secret redaction as Django's log handlers (maxloyalty.log_redaction)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, SecretRedactingFilter) for existing in log.filters):
                log.addFilter(SecretRedactingFilter())


logger_class = RedactingLogger


# Prometheus metrics in multiprocess mode (observability.metrics): each worker writes its values to files in
# PROMETHEUS_MULTIPROC_DIR and a scrape of any worker adds them up. The files of an earlier run are removed when the
# server starts; a worker that exits is marked dead, so its gauges stop counting (its counters are kept).
def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated in the library
