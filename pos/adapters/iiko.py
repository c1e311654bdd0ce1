"""iiko Cloud API (iikoTransport, https://api-ru.iiko.services): tokens, closed orders by window, orders by id.

Protocol facts this module relies on (iiko's OpenAPI description; UserVanya/Iikocloud-py-sdk is generated from it):
- Every call is a POST with a JSON body and `Authorization: Bearer <token>`. Tokens come from
  /api/1/access_token {"apiLogin"} (deprecated) or /api/v2/access_token {"apiKey", "appId", "clientSecret"}
  (a JWT); both live about an hour. We cache the token until shortly before it expires and renew on a 401.
- Closed orders for a time window: /api/1/deliveries/by_delivery_date_and_status with organizationIds,
  deliveryDateFrom/To (terminal-local "yyyy-MM-dd HH:mm:ss.fff") and statuses → ordersByOrganizations[].orders[].
  iiko guarantees only the last 7 days there, so a longer outage loses what is older (see docs/pos-protocol.md).
  Table orders have no window query in iiko Cloud: they arrive through webhooks and /api/1/order/by_id.
- An order's own times carry no zone and are the terminal's local time; `sum` is after discounts; deleted lines
  stay in `items` with `deleted` set. Statuses: table orders New → Bill → Closed (or Deleted); deliveries end
  Closed or Cancelled. Points are awarded on Closed only, reversed on Deleted/Cancelled of a closed order.
- Webhooks (registered with /api/1/webhooks/update_settings) POST a JSON array of events whose
  `eventInfo.id` is the order id; they prove themselves only by echoing our auth token.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache

from pos.adapters.base import (
    KnownRefs,
    PosAdapter,
    PosAuthFailed,
    PosResponseInvalid,
    SyncPage,
)
from pos.check_format import PosCheck, PosCheckLine

IIKO_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
SALE_STATUSES = {"Closed"}
REFUND_STATUSES = {"Deleted", "Cancelled"}
WINDOW_PAGE = timedelta(hours=24)  # one request covers at most this much of the backlog
WINDOW_OVERLAP = timedelta(hours=3)  # re-read the tail of the last window: orders closed late are not missed
FIRST_SYNC_LOOKBACK = timedelta(days=1)
MAX_LOOKBACK = timedelta(days=31)
TOKEN_LIFETIME = timedelta(minutes=55)
TABLE_ORDER_PREFIX = "table:"
DELIVERY_ORDER_PREFIX = "delivery:"


def iiko_time(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(IIKO_TIME_FORMAT)[:-3]


def parse_iiko_time(value: str | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    if not value:
        return None
    for pattern in (IIKO_TIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def _jwt_expiry(token: str) -> datetime | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (ValueError, KeyError, TypeError):
        return None


def _quantity(value: Any) -> Decimal:
    try:
        quantity = Decimal(str(value)).quantize(Decimal("0.001")).normalize()
    except (InvalidOperation, TypeError):
        return Decimal(1)
    return quantity if quantity > 0 else Decimal(1)


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        return Decimal(0)


class IikoAdapter(PosAdapter):
    kind = "iiko"
    default_base_url = "https://api-ru.iiko.services"

    # --- authentication ---------------------------------------------------------------------
    def _token_cache_key(self) -> str:
        fingerprint = hashlib.sha256(
            (self.base_url + json.dumps(self.credentials, sort_keys=True)).encode()
        ).hexdigest()[:16]
        return f"pos:iiko:token:{self.connection.pk}:{fingerprint}"

    def _new_token(self) -> tuple[str, datetime]:
        if self.credentials.get("api_key"):
            path = "/api/v2/access_token"
            body = {
                "apiKey": self.credentials["api_key"],
                "appId": self.credentials.get("app_id", ""),
                "clientSecret": self.credentials.get("client_secret", ""),
            }
        elif self.credentials.get("api_login"):
            path, body = "/api/1/access_token", {"apiLogin": self.credentials["api_login"]}
        else:
            raise PosAuthFailed("iiko: no API login or API key is saved for this connection")
        response = self.request("POST", self.base_url + path, json=body)
        if response.status_code in (400, 401, 403):
            raise PosAuthFailed(f"iiko: {path} refused the credentials ({response.status_code})")
        token = self._json(response).get("token")
        if not isinstance(token, str) or not token:
            raise PosResponseInvalid(f"iiko: {path} answered without a token")
        expires_at = _jwt_expiry(token) or self.now() + TOKEN_LIFETIME
        return token, expires_at

    def _token(self, *, fresh: bool = False) -> str:
        key = self._token_cache_key()
        if not fresh:
            cached = cache.get(key)
            if cached:
                return str(cached)
        token, expires_at = self._new_token()
        seconds = int((expires_at - self.now()).total_seconds()) - 60
        if seconds > 0:
            cache.set(key, token, timeout=min(seconds, int(TOKEN_LIFETIME.total_seconds())))
        return token

    def _json(self, response: Any) -> dict[str, Any]:
        try:
            data = response.json()
        except (ValueError, RecursionError) as error:
            raise PosResponseInvalid(f"iiko: {response.request.url.path} answered with invalid JSON") from error
        if not isinstance(data, dict):
            raise PosResponseInvalid(f"iiko: {response.request.url.path} answered with unexpected JSON")
        return data

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to the API with a cached token; a 401 means it expired early: renew once and repeat."""
        for attempt in range(2):
            token = self._token(fresh=attempt > 0)
            response = self.request(
                "POST", self.base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == 401:
                cache.delete(self._token_cache_key())
                continue
            if response.status_code >= 400:
                detail = ""
                with contextlib.suppress(ValueError, RecursionError, AttributeError):
                    detail = str(response.json().get("errorDescription", ""))[:200]
                raise PosResponseInvalid(f"iiko: {path} answered {response.status_code} {detail}".strip())
            return self._json(response)
        raise PosAuthFailed(f"iiko: {path} refused a freshly issued token (401)")

    # --- pulling ----------------------------------------------------------------------------
    def fetch_page(self, cursor: dict[str, Any], known: KnownRefs) -> SyncPage:
        now = self.now()
        if cursor.get("window_end"):
            window_from = datetime.fromisoformat(cursor["window_end"]) - WINDOW_OVERLAP
        else:
            window_from = now - FIRST_SYNC_LOOKBACK
        window_from = max(window_from, now - MAX_LOOKBACK)
        window_to = min(window_from + WINDOW_PAGE, now)
        data = self.call(
            "/api/1/deliveries/by_delivery_date_and_status",
            {
                "organizationIds": [self.connection.external_organization_id],
                "deliveryDateFrom": iiko_time(window_from, self.zone),
                "deliveryDateTo": iiko_time(window_to, self.zone),
                "statuses": sorted(SALE_STATUSES | {"Cancelled"}),
            },
        )
        checks, skipped = [], []
        for group in data.get("ordersByOrganizations") or []:
            for info in group.get("orders") or []:
                check = self.check_from_order(info, prefix=DELIVERY_ORDER_PREFIX)
                if check is None:
                    skipped.append(str(info.get("id", "")))
                else:
                    checks.append(check)
        return SyncPage(
            checks=checks,
            cursor={"window_end": window_to.isoformat(), "max_revision": data.get("maxRevision")},
            has_more=window_to < now,
            window_from=window_from,
            window_to=window_to,
            skipped=skipped,
        )

    def fetch_orders(self, refs: Sequence[str]) -> list[PosCheck]:
        """Re-read orders by id; refs are "table:<uuid>" or "delivery:<uuid>" (from the webhook's event type)."""
        organization = self.connection.external_organization_id
        table_ids = [ref.removeprefix(TABLE_ORDER_PREFIX) for ref in refs if not ref.startswith(DELIVERY_ORDER_PREFIX)]
        delivery_ids = [
            ref.removeprefix(DELIVERY_ORDER_PREFIX) for ref in refs if ref.startswith(DELIVERY_ORDER_PREFIX)
        ]
        orders: list[tuple[str, dict[str, Any]]] = []
        if table_ids:
            data = self.call("/api/1/order/by_id", {"organizationIds": [organization], "orderIds": table_ids})
            orders += [(TABLE_ORDER_PREFIX, info) for info in data.get("orders") or []]
        if delivery_ids:
            data = self.call("/api/1/deliveries/by_id", {"organizationId": organization, "orderIds": delivery_ids})
            orders += [(DELIVERY_ORDER_PREFIX, info) for info in data.get("orders") or []]
        checks = [self.check_from_order(info, prefix=prefix) for prefix, info in orders]
        return [check for check in checks if check is not None]

    # --- webhooks ---------------------------------------------------------------------------
    @classmethod
    def notification_refs(cls, body: bytes) -> list[str]:
        try:
            events = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise PosResponseInvalid("iiko: the webhook body is not JSON") from None
        if isinstance(events, dict):
            events = [events]
        if not isinstance(events, list):
            raise PosResponseInvalid("iiko: the webhook body is not a list of events")
        refs: list[str] = []
        for event in events:
            if not isinstance(event, dict):
                continue
            info = event.get("eventInfo") or {}
            order_id = info.get("id") if isinstance(info, dict) else None
            if not order_id:
                continue
            kind = event.get("eventType")
            if kind == "TableOrderUpdate":
                refs.append(TABLE_ORDER_PREFIX + str(order_id))
            elif kind == "DeliveryOrderUpdate":
                refs.append(DELIVERY_ORDER_PREFIX + str(order_id))
        return list(dict.fromkeys(refs))

    def register_webhook(self, *, uri: str, auth_token: str) -> None:
        self.call(
            "/api/1/webhooks/update_settings",
            {
                "organizationId": self.connection.external_organization_id,
                "webHooksUri": uri,
                "authToken": auth_token,
                "webHooksFilter": {
                    "tableOrderUpdateFilter": {"orderStatuses": ["Closed", "Deleted"]},
                    "deliveryOrderUpdateFilter": {"orderStatuses": ["Closed", "Cancelled"]},
                },
            },
        )

    def organizations(self) -> list[tuple[str, str]]:
        """The organisations these credentials reach, as (id, name): iiko's answer to "do the credentials work?"
        (https://api-ru.iiko.services/#tag/Organizations). A fresh token is asked for, so a cached one cannot hide
        credentials changed since."""
        cache.delete(self._token_cache_key())
        data = self.call("/api/1/organizations", {"returnAdditionalInfo": False, "includeDisabled": False})
        found = data.get("organizations")
        if not isinstance(found, list):
            raise PosResponseInvalid("iiko: /api/1/organizations answered without a list of organisations")
        return [(str(item.get("id", "")), str(item.get("name", ""))) for item in found if isinstance(item, dict)]

    # --- mapping ----------------------------------------------------------------------------
    def check_from_order(self, info: dict[str, Any], *, prefix: str) -> PosCheck | None:
        """iiko's order info → our check; None for orders not (yet) closed or cancelled."""
        order = info.get("order")
        if info.get("creationStatus") not in (None, "Success") or not isinstance(order, dict):
            return None
        status = order.get("status")
        if order.get("isDeleted"):
            status = "Deleted"
        if status in SALE_STATUSES:
            operation = "sale"
        elif status in REFUND_STATUSES:
            operation = "refund"
        else:
            return None
        zone = self.zone
        lines = []
        for item in order.get("items") or []:
            if not isinstance(item, dict) or item.get("deleted"):
                continue
            product = item.get("product") or {}
            quantity = _quantity(item.get("amount"))
            price = _money(item.get("price"))
            result_sum = _money(item.get("resultSum", item.get("cost")))
            discount = max(quantity * price - result_sum, Decimal(0)).quantize(Decimal("0.01"))
            lines.append(
                PosCheckLine(
                    sku=str(product.get("id", ""))[:64],
                    name=str(product.get("name", ""))[:200] or "item",
                    category=str((item.get("productGroup") or {}).get("name", ""))[:100],
                    quantity=quantity,
                    price=price,
                    discount=discount,
                )
            )
        phone = str(order.get("phone") or "").strip()
        payments = tuple(
            {
                "type": str((payment.get("paymentType") or {}).get("kind", "Unknown")),
                "amount": str(_money(payment.get("sum"))),
            }
            for payment in order.get("payments") or []
            if isinstance(payment, dict)
        )
        return PosCheck(
            external_id=prefix + str(info.get("id")),
            operation=operation,
            total_amount=max(_money(order.get("sum")), Decimal(0)),
            currency=self.currency,
            closed_at=parse_iiko_time(order.get("whenClosed"), zone) or parse_iiko_time(order.get("whenCreated"), zone),
            opened_at=parse_iiko_time(order.get("whenCreated"), zone),
            terminal=str(order.get("terminalGroupId") or "")[:64],
            guest_kind="phone" if phone else "",
            guest_value=phone,
            lines=tuple(lines),
            payments=payments,
            payload=info,
        )
