"""Browser tests: real headless Chromium (Debian's package) driven by Playwright against a live server.

Chain hosts ({slug}.ml.test) resolve to the live server through Chromium's host-resolver rules. Screenshots go to
test-artifacts/screenshots/ so a person can look at what the test saw.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package.")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API keeps an event loop running
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP *.ml.test 127.0.0.1, MAP ml.test 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="ru-RU", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def _site_thread(worlds: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The app served over real HTTP in a thread. Unlike pytest-django's live_server it never flushes the
    database (a flush cannot truncate across chain schemas and would drop the shared chains)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    with django_db_blocker.unblock():
        thread.start()
        thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread
    thread.terminate()
    with django_db_blocker.unblock():
        _wait_for_request_threads_to_let_go()


def _wait_for_request_threads_to_let_go(seconds: float = 10.0) -> None:
    """The server stops accepting at once, but a request the browser sent last (an asset, a poll) may still be
    running in its thread and holding a database session, which would stop the test database from being dropped.
    Wait for such sessions to end; end them if they outstay the wait."""
    import time

    from django.db import connection

    sql = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT count(*) {sql}")
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.1)
        cursor.execute(f"SELECT pg_terminate_backend(pid) {sql}")


@pytest.fixture
def live_site(_site_thread: Any, django_db_blocker: Any) -> Iterator[Any]:
    """What the browser talks to: data must be committed (the session chains are) to be seen by the server."""
    with django_db_blocker.unblock():
        yield _site_thread


def chain_url(live_site: Any, host: str, path: str = "/") -> str:
    return f"http://{host}:{live_site.port}{path}"


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def wait_until(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Wait until a JavaScript expression is true in the page. Playwright's wait_for_function polls by evaluating
    the string inside the page, which the Content-Security-Policy (no 'unsafe-eval') refuses; this evaluates it
    through the browser's debugging protocol instead. An expression that throws counts as not yet true."""
    import time

    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


def committed(action: Any) -> Any:
    """Run `action` on a connection of its own (a separate thread), so the live site sees what it wrote at once,
    whatever transaction the test itself is in. Returns what the action returned."""
    import threading

    from django.db import connections

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def drop_signed_up_chain(slug: str) -> None:
    """Remove the chain a browser test signed up for through the live server (committed there), with its pending
    sign-up, so later tests never see it. The owner's account stays (other chains' audit entries may name it);
    signing up again with its password works."""

    def drop() -> None:
        from tenants.models import Chain, PendingSignup

        for chain in Chain.objects.filter(slug=slug):
            chain.delete(force_drop=True)
        PendingSignup.objects.filter(slug=slug).delete()

    committed(drop)
