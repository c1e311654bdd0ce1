"""The one reader of JSON request bodies (the API's parser, the POS webhook, Telegram's and YooKassa's webhooks):
RFC 8259 JSON only (no NaN or Infinity, which no column of ours can hold) and at most API_MAX_JSON_DEPTH deep.
Anything else is a ValueError, never the RecursionError Python's parser raises on very deep nesting."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings


class MalformedJson(ValueError):
    """The body is not JSON, or nests deeper than API_MAX_JSON_DEPTH."""

    def __init__(self, message: str, *, too_deep: bool = False) -> None:
        super().__init__(message)
        self.too_deep = too_deep


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether objects/arrays nest deeper than limit (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load_json(raw: bytes | str, *, parse_float: Callable[[str], Any] | None = None) -> Any:
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=parse_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise MalformedJson(f"not JSON: {type(error).__name__}") from None
    if isinstance(data, dict | list) and nesting_exceeds(data, settings.API_MAX_JSON_DEPTH):
        raise MalformedJson("nested too deeply", too_deep=True)
    return data
