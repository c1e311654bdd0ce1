"""A restaurant chain's files (guest imports, exports, its logo) in Django's default storage, and the one door
they leave through.

Every file of a chain is stored as "chains/<schema>/<kind>/<random>.<ext>": an S3 bucket (S3_BUCKET) or
MEDIA_ROOT, never published by a plain URL. A download view first checks the requester's rights on the object
that owns the file (an import job, an export, the chain), then hands the stored name to `file_response`, which
refuses with 404 any name outside the current chain's prefix (another chain's file is "not found", as its other
objects are) and answers with a redirect to a short-lived signed URL (S3) or the file itself (file system).
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import secrets
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage, storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from maxloyalty.current_schema import current_schema_name

ROOT = "chains"
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}$")


class FileKind(StrEnum):
    """The folder of a chain's prefix a file goes in: what it is."""

    GUEST_IMPORT = "guest-imports"
    GUEST_EXPORT = "guest-exports"
    LOGO = "logo"
    RECEIPT_ARCHIVE = "receipt-archives"  # receipts of a month, gzipped JSON lines, written before its partition goes


def chain_prefix(schema_name: str | None = None) -> str:
    """ "chains/<schema>/": where every file of that chain (default: the current one) lives."""
    schema = schema_name or current_schema_name()
    if not schema or schema == "public" or "/" in schema:
        raise ValueError(f"files belong to a chain; the connection is on schema {schema!r}")
    return f"{ROOT}/{schema}/"


def new_file_name(*, kind: FileKind, original_name: str, stem: str = "") -> str:
    """A fresh, unguessable name for a file of the current chain; only the original's extension is kept, after
    `stem` when one is given (what the file holds, e.g. "receipts-2024-01-", for a person listing the folder)."""
    extension = _EXTENSION.search((original_name or "").lower())
    return f"{chain_prefix()}{kind}/{stem}{secrets.token_hex(12)}{extension.group(0) if extension else ''}"


def save_chain_file(*, kind: FileKind, name: str, content: File[Any] | bytes, stem: str = "") -> str:
    """Store a file of the current chain; returns its stored name (what the owning object keeps)."""
    body = ContentFile(content) if isinstance(content, bytes) else content
    return default_storage.save(new_file_name(kind=kind, original_name=name, stem=stem), body)


def delete_chain_file(name: str) -> None:
    if name and is_current_chain_file(name):
        default_storage.delete(name)


def is_current_chain_file(name: str) -> bool:
    """Whether the stored name lies inside the current chain's prefix (no "..", no absolute path, no back-slash)."""
    return (
        bool(name)
        and "\\" not in name
        and posixpath.normpath(name) == name
        and name.startswith(chain_prefix())
        and len(name) > len(chain_prefix())
    )


def uses_object_storage() -> bool:
    """True when chains' files are in an S3 bucket (downloads redirect to a signed URL), False on the file system."""
    return hasattr(default_storage, "bucket_name")


def signed_url(*, name: str, download_name: str, lifetime: int | None = None, inline: bool = False) -> str:
    """A URL of the bucket that serves this file for `lifetime` seconds (FILE_URL_LIFETIME_SECONDS by default),
    made for the endpoint browsers reach (S3_PUBLIC_ENDPOINT_URL when the app's own differs)."""
    if not uses_object_storage():
        raise ValueError("signed URLs exist only for files in object storage")
    parameters = {
        "ResponseContentDisposition": content_disposition_header(not inline, download_name),
        "ResponseContentType": _content_type(download_name),
    }
    expire = settings.FILE_URL_LIFETIME_SECONDS if lifetime is None else lifetime
    url: str = _signer().url(name, parameters=parameters, expire=expire)
    return url


def file_response(
    *, name: str, download_name: str, inline: bool = False, redirect: bool = True, lifetime: int | None = None
) -> HttpResponseBase:
    """The door's answer for a file whose owner the caller has already checked the requester's rights on.

    404 for a name outside the current chain's prefix or a file that is gone. In object storage, a redirect to a
    signed URL (`redirect=False`: the bytes through this response, for small public files such as the logo).
    """
    if not is_current_chain_file(name) or not default_storage.exists(name):
        raise Http404("no such file")
    if redirect and uses_object_storage():
        return HttpResponseRedirect(
            signed_url(name=name, download_name=download_name, lifetime=lifetime, inline=inline)
        )
    try:
        stored = default_storage.open(name, "rb")
    except FileNotFoundError as missing:
        raise Http404("no such file") from missing
    response = FileResponse(
        stored, as_attachment=not inline, filename=download_name, content_type=_content_type(download_name)
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _content_type(download_name: str) -> str:
    return mimetypes.guess_type(download_name)[0] or "application/octet-stream"


def _signer() -> Any:
    """The default storage (django-storages' S3Storage, untyped), or a copy of it pointed at the public endpoint:
    signing makes no network call."""
    public = settings.S3_PUBLIC_ENDPOINT_URL
    if not public:
        return default_storage
    options: dict[str, Any] = settings.STORAGES["default"].get("OPTIONS", {})
    return type(storages["default"])(**{**options, "endpoint_url": public})
