"""A fake APNs for the tests: HTTPS (HTTP/1.1) with a certificate of the tests' CA, requiring a client certificate
from that CA; records each push with the client certificate's UID (the pass type id) and its apns-topic header.
Tokens in `gone` answer 410 (the device removed the pass)."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wallet.tests.certificates import WalletCertificates


@dataclass
class Push:
    token: str
    topic: str
    client_uid: str
    body: bytes


@dataclass
class FakeApns:
    server: ThreadingHTTPServer
    pushes: list[Push] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"


def _uid_of(peer: Any) -> str:
    for rdn in (peer or {}).get("subject", ()):
        for name, value in rdn:
            if name == "userId":
                return str(value)
    return ""


def start_fake_apns(certificates: WalletCertificates) -> FakeApns:
    fake: FakeApns

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            prefix = "/3/device/"
            if not self.path.startswith(prefix):
                self.send_response(404)
                self.end_headers()
                return
            token = self.path[len(prefix) :]
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            fake.pushes.append(Push(token, self.headers.get("apns-topic", ""), _uid_of(peer), body))
            self.send_response(410 if token in fake.gone else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.server_certificate, certificates.server_key)
    context.load_verify_locations(certificates.ca)
    context.verify_mode = ssl.CERT_REQUIRED

    class TlsServer(ThreadingHTTPServer):
        def get_request(self) -> Any:
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    server = TlsServer(("127.0.0.1", 0), Handler)
    fake = FakeApns(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
