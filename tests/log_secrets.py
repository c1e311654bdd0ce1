"""pytest plugin: no secret reaches a log line while the bot, POS, billing, messaging and auth suites run.

For every test under WATCHED_PATHS, every log record of the whole run of the test (fixtures' setup and teardown
included, any thread) is captured at DEBUG, with the loggers that production keeps quiet (httpx, httpcore: they
write Bot API URLs) turned up to DEBUG too, then passed through the production console handler's filters
(settings.LOGGING, so the redaction is what is tested) and written by the production JSON formatter (message,
exception text and extra fields). The test fails at teardown when a line holds a known secret.

The secrets are collected where they come into being, not copied from fixtures:
- every plaintext the application encrypts at rest (Fernet): bot tokens, Telegram webhook secrets, POS signing
  secrets, POS credentials (the secret-named values of the JSON);
- every random token of 32 bytes or more drawn from `secrets` (POS inbound tokens and signing secrets, webhook
  secrets);
- every JWT encoded, every Django signed value (hand-off tokens), every password-reset token;
- every password set on a user;
- settings whose name says key, secret, token or password (at start and whenever a test changes one: the
  billing fakes' Stripe and YooKassa keys);
- anything a test adds with register_secret().
"""

from __future__ import annotations

import json
import logging
import logging.config
import secrets as secrets_module
import threading
from collections.abc import Callable, Generator, Iterable
from typing import Any

import pytest

WATCHED_PATHS = ("telegram_bot/", "pos/", "billing/", "accounts/", "messaging/", "tests/security/")
# Loggers production sets above DEBUG (or that a library quiets): turned up while a watched test runs.
LOUD_LOGGERS = ("httpx", "httpcore", "telegram", "django", "django.request", "django.server", "gunicorn", "celery")
# Loggers that print every generated field or every missing template variable: kept quiet.
QUIET_LOGGERS = ("factory", "faker", "django.db.backends", "django.template", "asyncio", "PIL")
MINIMUM_SECRET_LENGTH = 8
RANDOM_SECRET_MIN_BYTES = 32
SECRET_SETTING_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD")
SECRET_FIELD_WORDS = ("key", "secret", "token", "password", "login", "pass")


class SecretRegistry:
    """Values that must never appear in a log line."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: object) -> None:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and len(value.strip()) >= MINIMUM_SECRET_LENGTH:
            with self._lock:
                self._values.add(value.strip())

    def add_all(self, values: Iterable[object]) -> None:
        for value in values:
            self.add(value)

    def found_in(self, text: str) -> list[str]:
        with self._lock:
            values = list(self._values)
        return [value for value in values if value in text]

    def __contains__(self, value: str) -> bool:
        return value in self._values


registry = SecretRegistry()


def register_secret(value: object) -> None:
    """Add a value the logs must never hold (a fixture's token, a fake provider's key)."""
    registry.add(value)


class LogCapture(logging.Handler):
    """Formats every record as production would write it: the console handler's filters, the JSON formatter."""

    def __init__(self) -> None:
        from django.conf import settings

        super().__init__(level=logging.DEBUG)
        configurator = logging.config.DictConfigurator({})
        console = settings.LOGGING["handlers"]["console"]
        for name in console.get("filters", []):
            self.addFilter(configurator.configure_filter(dict(settings.LOGGING["filters"][name])))
        self.setFormatter(configurator.configure_formatter(dict(settings.LOGGING["formatters"]["json"])))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record production could not format either: keep its raw parts
            self.lines.append(f"{record.msg} {record.args}")

    def leaks(self) -> list[tuple[str, str]]:
        return [(value, line) for line in self.lines for value in registry.found_in(line)]


def _masked(value: str) -> str:
    return value[:4] + "…"


# --- where secrets come into being ---------------------------------------------------------------------------


def _register_secret_fields(plaintext: str) -> None:
    try:
        document = json.loads(plaintext)
    except ValueError:
        return
    if isinstance(document, dict):
        registry.add_all(
            value
            for key, value in document.items()
            if isinstance(value, str) and any(word in key.lower() for word in SECRET_FIELD_WORDS)
        )


def _spy(owner: Any, name: str, record: Callable[[tuple[Any, ...], dict[str, Any], Any], None]) -> Callable[[], None]:
    original = getattr(owner, name)

    def spying(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        record(args, kwargs, result)
        return result

    setattr(owner, name, spying)
    return lambda: setattr(owner, name, original)


def _install_spies() -> list[Callable[[], None]]:
    from cryptography.fernet import Fernet, MultiFernet
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.tokens import PasswordResetTokenGenerator
    from django.core import signing
    from rest_framework_simplejwt.backends import TokenBackend

    def encrypted(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        plaintext = (args[1] if len(args) > 1 else kwargs.get("data")) or b""
        text = plaintext.decode("utf-8", "replace") if isinstance(plaintext, bytes) else str(plaintext)
        if text.lstrip().startswith("{"):
            _register_secret_fields(text)
        else:
            registry.add(text)

    def random_token(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        nbytes = args[0] if args else kwargs.get("nbytes")
        if nbytes is None or nbytes >= RANDOM_SECRET_MIN_BYTES:
            registry.add(result)

    def password_set(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        user = args[0] if args else None
        if user is not None and user.pk is None and not getattr(user, "email", ""):
            return  # ModelBackend hashes whatever was typed for an unknown email (timing): any word, not a secret
        raw = args[1] if len(args) > 1 else kwargs.get("raw_password")
        registry.add(raw)

    def produced(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        registry.add(result)

    return [
        _spy(Fernet, "encrypt", encrypted),
        _spy(MultiFernet, "encrypt", encrypted),
        _spy(secrets_module, "token_urlsafe", random_token),
        _spy(secrets_module, "token_hex", random_token),
        _spy(AbstractBaseUser, "set_password", password_set),
        _spy(TokenBackend, "encode", produced),
        _spy(signing, "dumps", produced),
        _spy(PasswordResetTokenGenerator, "make_token", produced),
    ]


def _register_secret_settings(name: str, value: Any) -> None:
    if not any(word in name.upper() for word in SECRET_SETTING_WORDS):
        return
    if isinstance(value, str):
        registry.add(value)
    elif isinstance(value, list | tuple):
        registry.add_all(item for item in value if isinstance(item, str))
    elif isinstance(value, dict):
        for key, item in value.items():
            _register_secret_settings(str(key), item)


def _setting_changed(*, setting: str, value: Any, enter: bool, **kwargs: Any) -> None:
    if enter:
        _register_secret_settings(setting, value)


# --- pytest hooks --------------------------------------------------------------------------------------------

_undo: list[Callable[[], None]] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings
    from django.test.signals import setting_changed

    _undo.extend(_install_spies())
    for name in dir(settings):
        if name.isupper():
            _register_secret_settings(name, getattr(settings, name))
    setting_changed.connect(_setting_changed, dispatch_uid="tests.log_secrets")


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _undo:
        _undo.pop()()


def is_watched(item: pytest.Item) -> bool:
    try:
        path = item.path.resolve().relative_to(item.config.rootpath.resolve()).as_posix()
    except ValueError:  # a test file outside the project
        return False
    return path.startswith(WATCHED_PATHS)


_captures: dict[str, tuple[LogCapture, dict[str, int]]] = {}


def start_capture() -> tuple[LogCapture, dict[str, int]]:
    capture = LogCapture()
    levels = {name: logging.getLogger(name).level for name in ("", *LOUD_LOGGERS, *QUIET_LOGGERS)}
    logging.getLogger().setLevel(logging.DEBUG)
    for name in LOUD_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger().addHandler(capture)
    return capture, levels


def stop_capture(capture: LogCapture, levels: dict[str, int]) -> None:
    logging.getLogger().removeHandler(capture)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def leak_report(capture: LogCapture) -> str | None:
    leaks = capture.leaks()
    if not leaks:
        return None
    shown = "\n".join(f"  {_masked(value)} in: {line[:300].replace(value, _masked(value))}" for value, line in leaks)
    return f"{len(leaks)} log line(s) hold a secret:\n{shown}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if is_watched(item):
        _captures[item.nodeid] = start_capture()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        yield
    finally:
        captured = _captures.pop(item.nodeid, None)
        if captured is not None:
            stop_capture(*captured)
    if captured is not None and (report := leak_report(captured[0])):
        pytest.fail(report, pytrace=False)
