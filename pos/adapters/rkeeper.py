"""R-Keeper 7 XML interface of the cash server (XML over HTTPS with Basic auth, e.g. /rk7api/v0/xmlinterface.xml).

Protocol facts this module relies on (docs.rkeeper.ru, "XML-интерфейс"; the XSDs shipped with it):
- Requests are <RK7Query><RK7CMD CMD="..."/></RK7Query>; answers are <RK7QueryResult Status="Ok" ...>.
- GetOrderList lists the current shift's visits and their orders (<Visit><Orders><Order guid Finished
  OrderSum ToPaySum FinishTime .../>). With lastversion="<n>" the server answers without changes when its order
  table is unchanged; every answer carries the new lastversion.
- GetOrder <Order guid="{...}"/> returns the order with sessions of dishes: money in kopecks (orderSum,
  price, discount amounts), quantities in thousandths; deleted="1" when every dish of the order was voided.
- Change notifications (the HTTP order-notify driver, or WhiteServer's OrdersChanged event) carry only order
  guids. We fetch each order and reconcile by polling; the cash server keeps only the current shift's orders, so
  polling reaches back one shift (older checks must come by notification while they happen).
- A loyalty card swiped at the till shows up as CardCode on the visit's guest or cardCode on a discount.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import quoteattr

import httpx

from pos.adapters.base import KnownRefs, PosAdapter, PosAuthFailed, PosResponseInvalid, SyncPage
from pos.check_format import PosCheck, PosCheckLine

PAGE_SIZE = 50  # GetOrder calls per page
KOPECKS = Decimal(100)
THOUSANDTHS = Decimal(1000)
_MAX_XML_BYTES = 20 * 1024 * 1024


def _parse_xml(body: bytes) -> ElementTree.Element:
    """Parse a POS answer; refuse DTDs and entities (no entity-expansion attacks from a compromised server)."""
    if len(body) > _MAX_XML_BYTES:
        raise PosResponseInvalid("rkeeper: the answer is too large")
    head = body[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise PosResponseInvalid("rkeeper: the answer declares a DTD or entities; refused")
    try:
        return ElementTree.fromstring(body)  # noqa: S314  (DTDs refused above)
    except ElementTree.ParseError as error:
        raise PosResponseInvalid(f"rkeeper: the answer is not XML ({error})") from error


def _kopecks(value: str | None) -> Decimal:
    try:
        return (Decimal(value or "0") / KOPECKS).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true"}


def _moment(value: str | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _attr(element: ElementTree.Element, *names: str) -> str:
    for name in names:
        if element.get(name) is not None:
            return str(element.get(name))
    return ""


def normalize_guid(value: str) -> str:
    return value.strip().strip("{}").upper()


class RkeeperAdapter(PosAdapter):
    kind = "rkeeper"

    def _auth(self) -> httpx.BasicAuth | None:
        username = self.credentials.get("username")
        return httpx.BasicAuth(username, self.credentials.get("password", "")) if username else None

    def query(self, command: str, attributes: dict[str, str] | None = None, inner: str = "") -> ElementTree.Element:
        attrs = "".join(f" {name}={quoteattr(value)}" for name, value in (attributes or {}).items())
        body = f'<?xml version="1.0" encoding="utf-8"?><RK7Query><RK7CMD CMD="{command}"{attrs}>{inner}</RK7CMD></RK7Query>'
        if not self.base_url:
            raise PosResponseInvalid("rkeeper: the cash server's XML interface address is not set")
        response = self.request(
            "POST",
            self.base_url,
            content=body.encode("utf-8"),
            headers={"Content-Type": "application/xml; charset=utf-8"},
            auth=self._auth(),
        )
        if response.status_code in (401, 403):
            raise PosAuthFailed(f"rkeeper: the cash server refused the credentials ({response.status_code})")
        if response.status_code >= 400:
            raise PosResponseInvalid(f"rkeeper: {command} answered HTTP {response.status_code}")
        root = _parse_xml(response.content)
        if root.tag != "RK7QueryResult":
            raise PosResponseInvalid(f"rkeeper: {command} answered <{root.tag}>, not <RK7QueryResult>")
        status = root.get("Status", "")
        if status != "Ok":
            raise PosResponseInvalid(f"rkeeper: {command} failed: {status} {root.get('ErrorText', '')}".strip())
        return root

    def fetch_page(self, cursor: dict[str, Any], known: KnownRefs) -> SyncPage:
        """Finished orders of the shift we have not stored yet, PAGE_SIZE GetOrder calls at a time."""
        root = self.query("GetOrderList", {"onlyOpened": "0", "needIdents": "1"})
        finished: dict[str, ElementTree.Element] = {}
        for visit in root.iter("Visit"):
            for order in visit.iter("Order"):
                guid = normalize_guid(_attr(order, "guid"))
                if guid and _flag(_attr(order, "Finished", "finished")):
                    finished[guid] = order
        already = known(list(finished))
        wanted = [guid for guid in finished if guid not in already]
        page, rest = wanted[:PAGE_SIZE], wanted[PAGE_SIZE:]
        finish_times = {guid: _moment(_attr(finished[guid], "FinishTime"), self.zone) for guid in page}
        checks = []
        skipped = []
        for guid in page:
            check = self._fetch_order(guid, closed_at=finish_times[guid])
            if check is None:
                skipped.append(guid)
            else:
                checks.append(check)
        return SyncPage(
            checks=checks,
            cursor={"lastversion": root.get("lastversion", ""), "shift_finished_orders": len(finished)},
            has_more=bool(rest),
            window_to=self.now(),
            skipped=skipped,
        )

    def fetch_orders(self, refs: Sequence[str]) -> list[PosCheck]:
        checks = [self._fetch_order(normalize_guid(ref)) for ref in refs]
        return [check for check in checks if check is not None]

    def _fetch_order(self, guid: str, *, closed_at: datetime | None = None) -> PosCheck | None:
        root = self.query("GetOrder", inner=f'<Order guid="{{{guid}}}"/>')
        order = root.find("Order")
        if order is None:
            return None
        return self.check_from_order(order, guid=guid, closed_at=closed_at)

    @classmethod
    def notification_refs(cls, body: bytes) -> list[str]:
        root = _parse_xml(body)
        refs = []
        for element in root.iter():
            if element.tag in {"ChangedOrder", "Order"}:
                guid = _attr(element, "Guid", "guid")
                if guid:
                    refs.append(normalize_guid(guid))
        return list(dict.fromkeys(refs))

    def check_from_order(
        self, order: ElementTree.Element, *, guid: str, closed_at: datetime | None = None
    ) -> PosCheck | None:
        """GetOrder's <Order> → our check; None while the order is open (not finished and not voided)."""
        deleted = _flag(order.get("deleted"))
        finished = _flag(order.get("finished")) or _flag(order.get("paid"))
        if not deleted and not finished:
            return None
        zone = self.zone
        lines = []
        card = ""
        for dish in order.iter("Dish"):
            quantity = Decimal(dish.get("quantity") or "0") / THOUSANDTHS
            if quantity <= 0:
                continue  # a returned dish (negative quantity) belongs to a refund order, not to this sale
            price = _kopecks(dish.get("price"))
            discount = sum(
                (
                    abs(_kopecks(item.get("amount")))
                    for item in dish.findall("Discount")
                    if not _flag(item.get("deleted"))
                ),
                Decimal(0),
            )
            lines.append(
                PosCheckLine(
                    sku=_attr(dish, "code", "id")[:64],
                    name=(dish.get("name") or "dish")[:200],
                    category="",
                    quantity=quantity.normalize(),
                    price=price,
                    discount=min(discount, (quantity * price).quantize(Decimal("0.01"))),
                )
            )
        for element in order.iter():
            code = element.get("CardCode") or element.get("cardCode")
            if code:
                card = code.replace(" ", "").replace("-", "")
                break
        payments = tuple(
            {
                "type": (pay.get("name") or pay.get("code") or pay.get("id") or "payment")[:32],
                "amount": str(_kopecks(pay.get("amount"))),
            }
            for pay in order.iter("Pay")
        )
        total = _kopecks(order.get("orderSum"))
        station = order.find("Station")
        return PosCheck(
            external_id=guid,
            operation="refund" if deleted else "sale",
            total_amount=max(total, Decimal(0)),
            currency=self.currency,
            closed_at=closed_at or _moment(order.get("finishTime") or order.get("openTime"), zone),
            opened_at=_moment(order.get("openTime"), zone),
            terminal=_attr(station, "code", "id")[:64] if station is not None else "",
            guest_kind="card" if card else "",
            guest_value=card,
            lines=tuple(lines),
            payments=payments,
            payload={"xml": ElementTree.tostring(order, encoding="unicode")[:100_000]},
        )
