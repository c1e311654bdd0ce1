"""`make run`'s last step: a Celery worker (when Redis answers) beside Django's development server on :8000."""

from __future__ import annotations

import os
import subprocess
import sys

from maxloyalty.redis_probe import redis_is_reachable


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    worker = None
    if redis_is_reachable(redis_url):
        worker = subprocess.Popen(  # noqa: S603  fixed argv, no user input
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "maxloyalty",
                "worker",
                "--beat",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                "--schedule",
                os.path.join(".data", "celerybeat-schedule"),
            ],
        )
    port = os.environ.get("PORT", "8000")
    try:
        subprocess.call([sys.executable, "manage.py", "runserver", f"0.0.0.0:{port}"])  # noqa: S603
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


if __name__ == "__main__":
    main()
