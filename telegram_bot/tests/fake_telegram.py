"""A local fake of the Telegram Bot API: answers like Telegram and records every call (token, method, params, and
the client's TCP connection: it speaks HTTP/1.1 and keeps connections alive, as Telegram does)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_ID = 700100
BOT_USERNAME = "alpha_loyalty_bot"


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    connection: tuple[str, int] = ("", 0)  # the client's address and port: one per TCP connection


@dataclass
class FakeTelegram:
    server: ThreadingHTTPServer
    valid_tokens: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    # chat id → answers to give before succeeding: (status, description, parameters)
    failures: dict[int, list[tuple[int, str, dict[str, Any]]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    updates: list[dict[str, Any]] = field(default_factory=list)  # what getUpdates hands out (long polling)
    closed_connections: list[tuple[str, int]] = field(default_factory=list)  # the client hung up
    files: dict[str, bytes] = field(default_factory=dict)  # file_id → content (getFile, then the file download)
    downloads: list[str] = field(default_factory=list)  # the file paths the client downloaded

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.failures.clear()
            self.valid_tokens.clear()
            self.updates.clear()
            self.closed_connections.clear()
            self.files.clear()
            self.downloads.clear()

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    def connections(self) -> list[tuple[str, int]]:
        """The TCP connections the calls came over, each once, in the order they were first used."""
        with self.lock:
            return list(dict.fromkeys(call.connection for call in self.calls))

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [str(call.params.get("text", "")) for call in self.sent("sendMessage", chat_id)]


def _parse(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    if kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            params[str(name)] = payload if part.get_filename() else payload.decode()
        return params
    return dict(parse_qsl(body.decode()))


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a client may send many requests over one connection

        def log_message(self, *args: Any) -> None:
            pass

        def _connection(self) -> tuple[str, int]:
            return (str(self.client_address[0]), int(self.client_address[1]))

        def finish(self) -> None:
            super().finish()
            with fake.lock:
                fake.closed_connections.append(self._connection())

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            _, bot_token, method = self.path.split("/", 2)
            token = bot_token.removeprefix("bot")
            params = _parse(self)
            with fake.lock:
                fake.calls.append(Call(token=token, method=method, params=params, connection=self._connection()))
                pending = fake.failures.get(int(params.get("chat_id") or 0)) if "chat_id" in params else None
                failure = pending.pop(0) if pending else None
            if token not in fake.valid_tokens:
                self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            elif failure is not None:
                status, description, parameters = failure
                self._answer(
                    status, {"ok": False, "error_code": status, "description": description, "parameters": parameters}
                )
            elif method == "getMe":
                self._answer(
                    200,
                    {
                        "ok": True,
                        "result": {"id": BOT_ID, "is_bot": True, "first_name": "Alpha", "username": BOT_USERNAME},
                    },
                )
            elif method == "getUpdates":
                with fake.lock:
                    updates, fake.updates[:] = list(fake.updates), []
                self._answer(200, {"ok": True, "result": updates})
            elif method == "getFile":
                file_id = str(params.get("file_id", ""))
                with fake.lock:
                    content = fake.files.get(file_id)
                if content is None:
                    self._answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"})
                else:
                    result = {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}",
                        "file_size": len(content),
                        "file_path": f"photos/{file_id}.jpg",
                    }
                    self._answer(200, {"ok": True, "result": result})
            elif method in ("sendMessage", "sendPhoto"):
                chat_id = int(params["chat_id"])
                result = {
                    "message_id": len(fake.calls),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                }
                result["text" if method == "sendMessage" else "caption"] = params.get("text") or params.get("caption")
                self._answer(200, {"ok": True, "result": result})
            else:
                self._answer(200, {"ok": True, "result": True})

        def do_GET(self) -> None:
            # Files are downloaded from /file/bot<token>/<file_path> (Telegram's file server); the rest is the API.
            if not self.path.startswith("/file/bot"):
                self.do_POST()
                return
            token, _, file_path = unquote(self.path).removeprefix("/file/bot").partition("/")
            file_id = file_path.removeprefix("photos/").removesuffix(".jpg")
            with fake.lock:
                fake.downloads.append(file_path)
                content = fake.files.get(file_id) if token in fake.valid_tokens else None
            if content is None:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    return Handler


def start_fake_telegram() -> FakeTelegram:
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    fake = FakeTelegram(server=server)
    server.RequestHandlerClass = _handler(fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
