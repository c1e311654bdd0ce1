"""The one small interface every POS adapter implements, and the HTTP plumbing they share.

An adapter turns a POS's API into our internal check format (pos.check_format.PosCheck):
- fetch_page(cursor, known) -> SyncPage: the next page of closed (or refunded) checks after the cursor, and the
  cursor to store once that page is saved; has_more says whether to ask again straight away. A month-long outage
  is caught up page by page, each page committed before the next is asked for.
- fetch_orders(refs) -> checks: re-read orders named by a notification (the POS's push carries only ids; we
  trust only what its API answers).
- notification_refs(body) -> refs: the order ids in a push notification.
A third POS is one more module implementing PosAdapter, named in pos.adapters.registry.
"""

from __future__ import annotations

import email.utils
import logging
import time
import zoneinfo
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx
from django.conf import settings

from maxloyalty import outbound
from pos.check_format import PosCheck
from pos.models import PosConnection

logger = logging.getLogger(__name__)


class PosError(Exception):
    """Talking to the POS failed; the message is shown as the connection's last error (never a secret)."""


class PosUnavailable(PosError):
    """Worth retrying with backoff: network errors, timeouts, 429, 5xx, refused credentials (they may be fixed)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PosAuthFailed(PosUnavailable):
    """The POS refused our credentials even after a fresh token."""


class PosAddressRefused(PosError):
    """The configured address is not a public one (maxloyalty.outbound); retrying would not help."""


class PosResponseInvalid(PosError):
    """The POS answered something we cannot read; retrying the same request would not help."""


@dataclass
class SyncPage:
    checks: list[PosCheck]
    cursor: dict[str, Any]
    has_more: bool
    window_from: datetime | None = None
    window_to: datetime | None = None
    skipped: list[str] = field(default_factory=list)  # refs seen but not checks (open orders, unreadable)


KnownRefs = Callable[[Sequence[str]], set[str]]


class PosAdapter(ABC):
    kind: ClassVar[str]
    default_base_url: ClassVar[str] = ""

    def __init__(
        self,
        pos_connection: PosConnection,
        *,
        credentials: dict[str, Any],
        currency: str,
        zone: zoneinfo.ZoneInfo,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from django.utils import timezone

        self.connection = pos_connection
        self.credentials = credentials
        self.currency = currency
        self.zone = zone  # the restaurant's: POS APIs speak in local times
        self.base_url = (pos_connection.api_base_url or self.default_base_url).rstrip("/")
        self.client = client or outbound.outbound_client(timeout=settings.POS_HTTP_TIMEOUT_SECONDS)
        self.now = clock or timezone.now

    @abstractmethod
    def fetch_page(self, cursor: dict[str, Any], known: KnownRefs) -> SyncPage: ...

    @abstractmethod
    def fetch_orders(self, refs: Sequence[str]) -> list[PosCheck]: ...

    @classmethod
    @abstractmethod
    def notification_refs(cls, body: bytes) -> list[str]: ...

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call through the outbound guard (maxloyalty.outbound); transport errors, 429 and 5xx become
        PosUnavailable (the task retries with backoff), a refused address PosAddressRefused. The messages are
        stored as the connection's last error: they name the POS type and what happened, never an address."""
        started = time.monotonic()
        try:
            response = outbound.send(self.client, method, url, **kwargs)
        except httpx.TimeoutException as error:
            raise PosUnavailable(f"{self.kind}: no answer within {time.monotonic() - started:.0f}s") from error
        except outbound.AddressNotAllowed as error:
            logger.warning("%s: outbound call refused: %s", self.kind, error.detail)
            raise PosAddressRefused(f"{self.kind}: {error.public_message}") from error
        except outbound.OutboundError as error:
            logger.warning("%s: outbound call failed: %s", self.kind, error.detail)
            raise PosUnavailable(f"{self.kind}: {error.public_message}") from error
        except httpx.HTTPError as error:
            logger.warning("%s: outbound call failed: %s", self.kind, type(error).__name__)
            raise PosUnavailable(f"{self.kind}: {outbound.ServerUnreachable.public_message}") from error
        if response.status_code == 429:
            raise PosUnavailable(
                f"{self.kind}: rate limited (429) by the POS server", retry_after=retry_after_seconds(response.headers)
            )
        if response.status_code >= 500:
            raise PosUnavailable(f"{self.kind}: server error {response.status_code} from the POS server")
        return response


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None
