"""What the current request (or task) is, for every log line: its id (also in the X-Request-ID header), the chain,
the signed-in staff user, the client address; in a Celery worker, the task and the request that queued it.

The request id travels with the work it starts: `task_headers` is what a task message carries when published
(maxloyalty.celery puts it in the headers) and `entering_task` restores it in the worker for the task's duration,
so a request's lines and those of the tasks it queued (and the tasks these queued) share one id. An incoming
X-Request-ID is kept when it has a safe shape (SAFE_REQUEST_ID: a POS or proxy may pass its own); it is a
correlation id, never a credential, so nothing trusts it for more than that.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from maxloyalty.client_ip import client_ip

NONE = "-"  # what a log line shows for a field that does not apply (no request, no chain, nobody signed in)
current_request_id: ContextVar[str] = ContextVar("current_request_id", default=NONE)
current_client_ip: ContextVar[str | None] = ContextVar("current_client_ip", default=None)
_current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
# In a worker: the user whose request queued the task (by the headers), and the task running now (name, id).
_task_user_id: ContextVar[str] = ContextVar("task_user_id", default=NONE)
_current_task: ContextVar[tuple[str, str] | None] = ContextVar("current_task", default=None)
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"
# The task message headers that carry the context (read back by entering_task).
REQUEST_ID_TASK_HEADER = "_request_id"
USER_ID_TASK_HEADER = "_request_user_id"
_SAFE_USER_ID = re.compile(r"^[0-9]{1,20}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for views and error pages
        id_token = current_request_id.set(request_id)
        ip_token = current_client_ip.set(client_ip(request))
        request_token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(id_token)
            current_client_ip.reset(ip_token)
            _current_request.reset(request_token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def signed_in_user_id(request: HttpRequest | None) -> str:
    """The id of the staff user the request is signed in as, when authentication has already looked (a log line
    never loads a session or a user itself); NONE otherwise. Only accounts' users ever are request.user: a guest of
    the bot or the Mini App is never one, so no phone or guest id can appear here."""
    user: Any = getattr(request, "__dict__", {}).get("user")  # set by AuthenticationMiddleware or DRF
    wrapped = getattr(user, "_wrapped", user)  # the session's lazy user: only once it was resolved
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return NONE
    return str(getattr(wrapped, "pk", NONE))


def current_user_id() -> str:
    """The signed-in staff user of the current request, or in a worker of the request that queued the task."""
    request = _current_request.get()
    return signed_in_user_id(request) if request is not None else _task_user_id.get()


def task_headers() -> dict[str, str]:
    """What a task message published now carries: the current request id (and its user), when there is one."""
    headers: dict[str, str] = {}
    request_id = current_request_id.get()
    if request_id != NONE:
        headers[REQUEST_ID_TASK_HEADER] = request_id
        user_id = current_user_id()
        if user_id != NONE:
            headers[USER_ID_TASK_HEADER] = user_id
    return headers


@contextmanager
def entering_task(*, name: str, task_id: str, headers: Mapping[str, Any]) -> Iterator[None]:
    """For a task's duration: its name and id, and the request id (and user) its message carried. A task run
    inside a request (eagerly) keeps the request's own context."""
    carried_id = str(headers.get(REQUEST_ID_TASK_HEADER) or "")
    carried_user = str(headers.get(USER_ID_TASK_HEADER) or "")
    tokens: list[Token[Any]] = [_current_task.set((name, task_id))]
    if SAFE_REQUEST_ID.match(carried_id):
        tokens.append(current_request_id.set(carried_id))
        tokens.append(_task_user_id.set(carried_user if _SAFE_USER_ID.match(carried_user) else NONE))
    try:
        yield
    finally:
        for token in reversed(tokens):
            token.var.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds request_id, chain (the current schema), user_id (the signed-in staff user), task_name and task_id (in
    a worker) to every record; "-" where one does not apply."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)  # django.request logs after the middleware has returned
        record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        record.chain = getattr(connection, "schema_name", NONE) or NONE
        record.user_id = signed_in_user_id(request) if isinstance(request, HttpRequest) else current_user_id()
        task = _current_task.get()
        record.task_name, record.task_id = task if task is not None else (NONE, NONE)
        return True
