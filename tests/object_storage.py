"""Chains' files in both homes tests need: a local S3 server (moto's server mode, on a free port, started once per
session) and the file system. `chain_storage` runs a test once per home, pointing Django's default storage at a
fresh bucket or a fresh MEDIA_ROOT; `downloaded` reads what the download door answered, redirect or bytes.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

KEY_ID, SECRET = "testing-key", "testing-secret"  # moto accepts any; real S3 would check them


class RefuseExpiredSignatures:
    """WSGI wrapper: moto accepts a signed URL at any age; S3 refuses one past X-Amz-Date + X-Amz-Expires with
    403 AccessDenied "Request has expired" (AWS, "Authenticating Requests: Using Query Parameters")."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Date" in query and "X-Amz-Expires" in query:
            signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if datetime.now(UTC) > signed_at + timedelta(seconds=int(query["X-Amz-Expires"][0])):
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server for the session: its URL."""
    from moto.server import ThreadedMotoServer  # half a second to import: only for sessions that use it

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    # moto builds its WSGI server in start(); wrapping its app there is the one way in (moto has no hook for it).
    server._server.app = RefuseExpiredSignatures(server._server.app)  # type: ignore[union-attr]  # set by start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class ChainStorage:
    """Where a test's chain files went: "s3" (a fresh bucket) or "filesystem" (a fresh MEDIA_ROOT)."""

    home: str
    bucket: str = ""
    endpoint: str = ""
    media_root: Path | None = None

    def stored_names(self) -> list[str]:
        if self.home == "s3":
            listing = self.client().list_objects_v2(Bucket=self.bucket)
            return sorted(item["Key"] for item in listing.get("Contents", []))
        assert self.media_root is not None
        return sorted(str(path.relative_to(self.media_root)) for path in self.media_root.rglob("*") if path.is_file())

    def break_storage(self) -> None:
        """Make every later write fail as a real outage would: the bucket is gone, or MEDIA_ROOT is not a folder."""
        if self.home == "s3":
            self.client().delete_bucket(Bucket=self.bucket)
            return
        assert self.media_root is not None
        self.media_root.parent.mkdir(parents=True, exist_ok=True)
        self.media_root.write_text("not a folder")

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )


def s3_storages(*, bucket: str, endpoint: str) -> dict[str, dict[str, Any]]:
    """STORAGES as maxloyalty/settings/base.py builds them when S3_BUCKET is set, for this bucket and server."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": KEY_ID,
        "secret_key": SECRET,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(params=["s3", "filesystem"])
def chain_storage(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> ChainStorage:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if request.param == "filesystem":
        return ChainStorage(home="filesystem", media_root=tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    storage = ChainStorage(home="s3", bucket=f"chains-{secrets.token_hex(6)}", endpoint=endpoint)
    storage.client().create_bucket(Bucket=storage.bucket)
    settings.STORAGES = s3_storages(bucket=storage.bucket, endpoint=endpoint)
    return storage


def downloaded(response: Any) -> bytes:
    """The bytes a browser ends up with: the signed URL's (a redirect, fetched for real) or the streamed body."""
    if response.status_code == 302:
        fetched = httpx.get(response["Location"])
        assert fetched.status_code == 200, fetched.text
        return fetched.content
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)
