"""A fake Google for the wallet tests: the OAuth2 token endpoint (JWT-bearer grant) and the Wallet REST API's
loyaltyObject and loyaltyClass resources (PATCH one, POST a new one). Records what arrives; objects and classes it
does not know answer 404."""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCESS_TOKEN = "ya29.fake-access-token"
OBJECTS_PATH = "/walletobjects/v1/loyaltyObject"
CLASSES_PATH = "/walletobjects/v1/loyaltyClass"


@dataclass
class FakeGoogleWallet:
    server: ThreadingHTTPServer
    token_requests: list[dict[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # method, path, auth, body
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures_left: int = 0  # the next calls to the objects answer 503

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def start_fake_google_wallet() -> FakeGoogleWallet:
    fake: FakeGoogleWallet

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/token":
                form = dict(urllib.parse.parse_qsl(body.decode()))
                fake.token_requests.append(form)
                self._answer(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                return
            document = json.loads(body)
            fake.calls.append(("POST", self.path, self.headers.get("Authorization", ""), document))
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                self._answer(401, {"error": "unauthenticated"})
                return
            store = fake.classes if self.path == CLASSES_PATH else fake.objects
            store[document["id"]] = document
            self._answer(200, document)

        def do_PATCH(self) -> None:
            document = json.loads(self._body())
            fake.calls.append(("PATCH", self.path, self.headers.get("Authorization", ""), document))
            if fake.failures_left:
                fake.failures_left -= 1
                self._answer(503, {"error": {"code": 503}})
                return
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                self._answer(401, {"error": "unauthenticated"})
                return
            store = fake.classes if self.path.startswith(CLASSES_PATH + "/") else fake.objects
            object_id = self.path.rsplit("/", 1)[1]
            if object_id not in store:
                self._answer(404, {"error": {"code": 404}})
                return
            store[object_id].update(document)
            self._answer(200, store[object_id])

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeGoogleWallet(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
