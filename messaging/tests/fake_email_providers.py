"""Local fakes of SendGrid's v3 Mail Send API and Mailgun's messages API, speaking as their documentation says.

SendGrid: POST /v3/mail/send with a JSON body and `Authorization: Bearer <key>` answers 202 with an empty body.
Mailgun: POST /v3/<domain>/messages, multipart or form data with basic auth `api:<key>`, answers 200 with
{"id": "<...@domain>", "message": "Queued. Thank you."}. Both record every request; `failures` holds answers to give
first (status, body), so a test can make the provider fail and then recover.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: list[tuple[str, str]] = field(default_factory=list)

    def form_values(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


@dataclass
class FakeProvider:
    name: str
    server: ThreadingHTTPServer
    api_key: str
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v3/"

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.failures.clear()


def _read(handler: BaseHTTPRequestHandler) -> tuple[Any, list[tuple[str, str]]]:
    body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        return json.loads(body or b"null"), []
    if kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + body)
        form = []
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True) or b""
            form.append((name, payload.decode(errors="replace")))
        return None, form
    return None, parse_qsl(body.decode())


def _authorized(fake: FakeProvider, header: str) -> bool:
    if fake.name == "sendgrid":
        return header == f"Bearer {fake.api_key}"
    expected = base64.b64encode(f"api:{fake.api_key}".encode()).decode()
    return header == f"Basic {expected}"


def _handler(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: str, content_type: str = "application/json") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            payload, form = _read(self)
            with fake.lock:
                fake.requests.append(Request(self.path, dict(self.headers.items()), payload, form))
                failure = fake.failures.pop(0) if fake.failures else None
            if not _authorized(fake, self.headers.get("Authorization", "")):
                self._answer(401, json.dumps({"errors": [{"message": "authorization required"}]}))
            elif failure is not None:
                self._answer(*failure)
            elif fake.name == "sendgrid" and self.path == "/v3/mail/send":
                self._answer(202, "")
            elif fake.name == "mailgun" and self.path.endswith("/messages"):
                domain = self.path.split("/")[2]
                message_id = f"<{uuid.uuid4().hex}@{domain}>"
                self._answer(200, json.dumps({"id": message_id, "message": "Queued. Thank you."}))
            else:
                self._answer(404, json.dumps({"message": "not found"}))

    return Handler


def start_fake_provider(name: str, api_key: str) -> FakeProvider:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeProvider(name=name, server=server, api_key=api_key)
    server.RequestHandlerClass = _handler(fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
