"""Telegram Mini App initData: the signed query string Telegram hands the Mini App, checked as Telegram documents.

secret key = HMAC-SHA256(key="WebAppData", message=bot token); the data-check string is every field but `hash`
as sorted `key=value` lines joined by "\\n"; valid when HMAC-SHA256(secret key, data-check string) equals `hash`.
https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode


class InitDataInvalid(Exception):
    """Missing, malformed, wrongly signed or too old."""


@dataclass(frozen=True)
class MiniAppUser:
    id: int
    language_code: str
    auth_date: int


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(fields: dict[str, Any], *, bot_token: str) -> str:
    """initData as Telegram would build it (for tests and local development)."""
    values = {key: value if isinstance(value, str) else json.dumps(value) for key, value in fields.items()}
    digest = hmac.new(_secret_key(bot_token), _data_check_string(values).encode(), hashlib.sha256).hexdigest()
    return urlencode({**values, "hash": digest})


def validated_user(init_data: str, *, bot_token: str, max_age_seconds: int, now: float | None = None) -> MiniAppUser:
    if not init_data:
        raise InitDataInvalid("missing")
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    given = fields.get("hash", "")
    expected = hmac.new(_secret_key(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InitDataInvalid("signature")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as error:
        raise InitDataInvalid("malformed") from error
    if (now if now is not None else time.time()) - auth_date > max_age_seconds:
        raise InitDataInvalid("expired")
    return MiniAppUser(id=user_id, language_code=str(user.get("language_code") or ""), auth_date=auth_date)
