"""Local fake Twilio and SMS.ru APIs (a threading HTTP server on 127.0.0.1) that answer as the real ones do.

The real clients are pointed at them (settings.TWILIO_API_BASE, settings.SMSRU_API_BASE). Each fake records the
requests it received, refuses unknown credentials as its provider does, and can be told to fail the next request
(an HTTP status, a provider error code) or to refuse particular numbers. Helpers build the callbacks each provider
would send, signed (Twilio) with an implementation of the signature written from Twilio's documentation, not
with the library under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from django.http import QueryDict


@dataclass
class Received:
    method: str
    path: str
    query: str
    form: dict[str, str]
    headers: dict[str, str]
    client_port: int  # the same for requests over one kept-alive connection


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "application/json"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        parsed = urlparse(self.path)
        request = Received(
            method="POST",
            path=parsed.path,
            query=parsed.query,
            form=dict(parse_qsl(raw, keep_blank_values=True)),
            headers=dict(self.headers.items()),
            client_port=self.client_address[1],
        )
        with self.server.lock:
            self.server.api.received.append(request)
            answer = self.server.api.handle(request)
        data = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815  (http.server's naming)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: Any
    lock: threading.Lock


@contextmanager
def serving(api: Any) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.api = api
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _json(status: int, payload: dict[str, Any]) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False))


# --- Twilio --------------------------------------------------------------------------------------------------


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "twilio-auth-token-alpha-0001"
    received: list[Received] = field(default_factory=list)
    invalid_numbers: set[str] = field(default_factory=set)  # answered with 21211
    unsubscribed_numbers: set[str] = field(default_factory=set)  # answered with 21610 (replied STOP)
    next_answers: list[Answer] = field(default_factory=list)  # answered first, in order

    def reset(self) -> None:
        self.received.clear()
        self.invalid_numbers.clear()
        self.unsubscribed_numbers.clear()
        self.next_answers.clear()

    def fail_next(self, status: int, code: int | None = None, message: str = "") -> None:
        body: dict[str, Any] = {"status": status, "message": message or "Error", "more_info": ""}
        if code is not None:
            body["code"] = code
        self.next_answers.append(_json(status, body))

    def handle(self, request: Received) -> Answer:
        if self.next_answers:
            return self.next_answers.pop(0)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json(401, {"code": 20003, "message": "Authenticate", "status": 401, "more_info": ""})
        if request.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return _json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        to = request.form.get("To", "")
        if to in self.invalid_numbers:
            return _json(400, {"code": 21211, "message": f"Invalid 'To' Phone Number: {to}", "status": 400})
        if to in self.unsubscribed_numbers:
            message = "Attempt to send to unsubscribed recipient"
            return _json(400, {"code": 21610, "message": message, "status": 400})
        body = request.form.get("Body", "")
        return _json(
            201,
            {
                "sid": "SM" + uuid.uuid4().hex,
                "account_sid": self.account_sid,
                "to": to,
                "from": request.form.get("From"),
                "messaging_service_sid": request.form.get("MessagingServiceSid"),
                "body": body,
                "status": "queued",
                "num_segments": str(_twilio_segments(body)),
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "error_code": None,
            },
        )


def _twilio_segments(body: str) -> int:
    """A rough count as Twilio's answer gives it (ASCII: 160/153, otherwise 70/67)."""
    single, per_part = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / per_part)


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature as Twilio documents it: Base64(HMAC-SHA1(auth token, URL + each name and value, sorted))."""
    signed = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_callback(auth_token: str, url: str, params: dict[str, str]) -> tuple[QueryDict, dict[str, str]]:
    """What Twilio POSTs to `url`: the form as Django parses it (request.POST), and the headers."""
    headers = {"X-Twilio-Signature": twilio_signature(auth_token, url, params), "Content-Type": "x-www-form-urlencoded"}
    return QueryDict(urlencode(params)), headers


# --- SMS.ru --------------------------------------------------------------------------------------------------

_sms_ids = itertools.count(10000001)


@dataclass
class FakeSmsRu:
    api_id: str = "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B"
    received: list[Received] = field(default_factory=list)
    invalid_numbers: set[str] = field(default_factory=set)  # digits; answered with 202
    stoplist: set[str] = field(default_factory=set)  # digits; answered with 209
    callbacks: list[str] = field(default_factory=list)
    next_answers: list[Answer] = field(default_factory=list)

    def reset(self) -> None:
        self.received.clear()
        self.invalid_numbers.clear()
        self.stoplist.clear()
        self.callbacks.clear()
        self.next_answers.clear()

    def fail_next(self, status: int, body: str = "") -> None:
        self.next_answers.append(Answer(status, body or "<html>Service Unavailable</html>", "text/html"))

    def refuse_next(self, code: int, text: str) -> None:
        """A top-level refusal with HTTP 200, as SMS.ru answers one."""
        self.next_answers.append(_json(200, {"status": "ERROR", "status_code": code, "status_text": text}))

    def handle(self, request: Received) -> Answer:
        if self.next_answers:
            return self.next_answers.pop(0)
        if request.form.get("api_id") != self.api_id:
            return _json(200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"})
        if request.path == "/sms/send":
            return self._send(request.form)
        if request.path == "/callback/add":
            self.callbacks.append(request.form["url"])
            return _json(200, {"status": "OK", "status_code": 100, "callback": self.callbacks})
        return _json(200, {"status": "ERROR", "status_code": 211, "status_text": "Метод не найден"})

    def _send(self, form: dict[str, str]) -> Answer:
        if not form.get("msg"):
            return _json(200, {"status": "ERROR", "status_code": 203, "status_text": "Нет текста сообщения"})
        results: dict[str, Any] = {}
        for number in form.get("to", "").split(","):
            if number in self.invalid_numbers:
                results[number] = {"status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер"}
            elif number in self.stoplist:
                results[number] = {"status": "ERROR", "status_code": 209, "status_text": "Номер в стоп-листе"}
            else:
                results[number] = {"status": "OK", "status_code": 100, "sms_id": f"000000-{next(_sms_ids)}"}
        return _json(200, {"status": "OK", "status_code": 100, "sms": results, "balance": 4122.56})


def smsru_callback(*entries: tuple[str, ...]) -> QueryDict:
    """The form SMS.ru POSTs to a handler (request.POST): data[N] = the entry's lines joined by newlines."""
    return QueryDict(urlencode({f"data[{index}]": "\n".join(entry) for index, entry in enumerate(entries)}))
