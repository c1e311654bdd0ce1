"""The API's Idempotency-Key mechanism: the one place that reads the header and answers a retry.

A client sends `Idempotency-Key: <1–100 printable characters>` with every request that moves points. The key is
scoped to the signed-in user (two cashiers choosing the same key never collide) and handed to the service,
whose database-unique key makes the operation happen once. A retry returns the first result with
`200` and `Idempotent-Replayed: true` instead of `201`; the same key reused for a different operation is a 422.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty.errors import IdempotencyKeyRequired

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 100

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="1–100 printable characters, unique per operation. A retry with the same key returns the first "
    "result (200, header Idempotent-Replayed: true) and changes nothing.",
)


def idempotency_key(request: Request) -> str:
    """The service-level key for this request: the client's header scoped to the signed-in user."""
    raw = (request.headers.get(HEADER) or "").strip()
    if not raw or len(raw) > MAX_LENGTH or not raw.isprintable() or not raw.isascii():
        raise IdempotencyKeyRequired(header=HEADER)
    return f"api:{request.user.pk}:{raw}"


def idempotent_response(data: Any, *, is_replay: bool) -> Response:
    """201 for the first call, 200 with Idempotent-Replayed for a retry answered from the first result."""
    if is_replay:
        return Response(data, status=status.HTTP_200_OK, headers={REPLAYED_HEADER: "true"})
    return Response(data, status=status.HTTP_201_CREATED)
