"""Secrets never reach a log line: one filter on every log handler (settings.LOGGING, gunicorn's loggers) rewrites
each record's message, exception text and extra fields with the secret parts replaced by REDACTED.

What counts as a secret is defined here once (SECRET_PATTERNS): Telegram bot tokens (in Bot API URLs and bare),
values of secret-named query/form parameters and mapping keys (`?token=` of the R-Keeper notify URL, the hand-off
link's token, signatures, keys, passwords, initData), tokens in confirmation and invitation paths,
Authorization/signature/cookie header values, Bearer and Basic credentials, JWTs, Django signed values (hand-off
tokens), Django's password-reset tokens, Stripe keys and `whsec_` signing secrets. The filter works on the
formatted text, so a secret passed as an argument, inside a URL repr or inside an exception's traceback is caught
the same way.

A secret with no recognisable shape (a bare random string) cannot be found by a pattern: code must not log one,
and tests/log_secrets.py fails any test of the bot, POS, billing and auth suites whose log records contain a
secret the application minted or was given.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "REDACTED"

# Names of parameters, fields and headers whose value is a secret (matched whole or as a suffix: webhook_secret,
# X-Api-Key, inbound_token, ...).
_SENSITIVE_NAME = (
    r"(?:[\w-]*[_-])?(?:token|secret|signature|sig|password|passwd|pwd|key|apikey|hash|initdata|init[_-]data"
    r"|tgwebappdata|authorization|cookie|credentials?)"
)
_SENSITIVE_HEADER = (
    r"(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|stripe-signature|x-[\w-]*signature"
    r"|x-telegram-bot-api-secret-token|x-telegram-init-data|x-pos-token|x-[\w-]*token)"
)


def _keep_name(match: re.Match[str]) -> str:
    return f"{match.group('name')}{REDACTED}"


# Each pattern's replacement: a string, or a function of the match. Order matters: whole-value patterns
# (name=value, headers) first, then shapes found anywhere.
SECRET_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # Telegram Bot API URLs: https://api.telegram.org/bot<id>:<secret>/getMe, /file/bot<id>:<secret>/...
    (re.compile(r"(?P<name>bot)\d+:[A-Za-z0-9_-]+"), _keep_name),
    # Query strings, form bodies and key=value text: ?token=..., &signature=..., webhook_secret=...
    (re.compile(rf"(?i)(?P<name>\b{_SENSITIVE_NAME}=)[^&\s\"'<>#,;)\]}}]+"), _keep_name),
    # Mapping reprs and JSON: 'token': 'abc', "password": "abc", 'Authorization': 'Bearer abc'
    (
        re.compile(
            rf"(?i)(?P<name>([\"']){_SENSITIVE_NAME}\2\s*:\s*)(?P<quote>[\"'])(?:\\.|(?!(?P=quote)).)*(?P=quote)"
        ),
        lambda match: f"{match.group('name')}{match.group('quote')}{REDACTED}{match.group('quote')}",
    ),
    # Links that carry their token in the path: /signup/confirm/<token>/, /staff/invitation/<token>/.
    (re.compile(r"(?P<name>/(?:confirm|invitation|invite|verify|activate|magic)/)[A-Za-z0-9_=-]{16,}"), _keep_name),
    # Header lines: "Authorization: Bearer abc", "X-Signature: t=..., v1=..."
    (re.compile(rf"(?im)(?P<name>\b{_SENSITIVE_HEADER}\s*:\s*)[^\r\n\"']+"), _keep_name),
    # Credentials after an auth scheme, wherever they stand.
    (re.compile(r"(?P<name>\b(?:[Bb]earer|[Bb]asic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}"), _keep_name),
    # JWTs: header.payload.signature, both first parts base64url JSON objects.
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # Django signed values (signing.dumps: the hand-off token), plain or compressed (leading dot).
    (re.compile(r"(?<![\w.])\.?eyJ[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+){1,2}"), REDACTED),
    # Django's password-reset and similar tokens: <base36 timestamp>-<hex digest>.
    (re.compile(r"\b[0-9a-z]{4,13}-[0-9a-f]{20,}\b"), REDACTED),
    # Bare Telegram bot tokens: <bot id>:<secret>.
    (re.compile(r"(?<![\w:/.])\d{5,}:[A-Za-z0-9_-]{20,}"), REDACTED),
    # Stripe keys and webhook signing secrets (also the POS signing secrets' prefix).
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9_-]+"), REDACTED),
]

# Attributes every LogRecord has; anything else was added through `extra=` (or by a filter) and is checked too.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_MARK = "_secrets_redacted"
_EXCEPTION_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """The text with every secret it holds replaced by REDACTED."""
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {key: REDACTED if _is_secret_name(key) else _redacted_value(item) for key, item in value.items()}
    return redact(str(value))  # e.g. the WSGIRequest django.request passes: its repr holds the query string


def _is_secret_name(key: object) -> bool:
    return isinstance(key, str) and re.fullmatch(rf"(?i){_SENSITIVE_NAME}", key) is not None


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite the record in place: message, exception and stack text, extra fields. Idempotent."""
    if getattr(record, _MARK, False):
        return
    if isinstance(record.msg, Mapping) and not record.args:  # structured logging (python-json-logger's dict)
        record.msg = _redacted_value(record.msg)
    else:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, never the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
    if record.exc_info:
        # Formatters render exc_info themselves (python-json-logger ignores exc_text): keep only the redacted text.
        record.exc_text = record.exc_text or _EXCEPTION_FORMATTER.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for name, value in list(record.__dict__.items()):
        if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
            setattr(record, name, _redacted_value(value))
    setattr(record, _MARK, True)


class SecretRedactingFilter(logging.Filter):
    """settings.LOGGING's handlers (and gunicorn's) carry this filter; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True
