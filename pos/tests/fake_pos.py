"""Local fake POS servers for the tests: iiko Cloud API (JSON) and an R-Keeper 7 cash server (XML).

Each runs http.server in a thread on 127.0.0.1 with a random port and behaves like the real API as far as our
adapters use it (shapes from iiko's OpenAPI description and R-Keeper's XML interface XSDs): token issue and
expiry, windows of closed orders, orders by id, Basic auth, and injected failures (5xx, 429, dropped tokens).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import quoteattr

IIKO_TIME = "%Y-%m-%d %H:%M:%S.%f"


def iiko_local(moment: datetime) -> str:
    return moment.strftime(IIKO_TIME)[:-3]


def parse_iiko_local(value: str) -> datetime:
    """iiko's zone-less terminal time; compared only with other terminal times."""
    return datetime.strptime(value, IIKO_TIME)  # noqa: DTZ007


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    path: str | None = None  # None: the next request, whatever its path


@dataclass
class FakeServerState:
    requests: list[tuple[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, *, path: str | None = None, times: int = 1, **headers: str) -> None:
        with self.lock:
            self.failures.extend(Failure(status, headers, path) for _ in range(times))

    def take_failure(self, path: str) -> Failure | None:
        with self.lock:
            for index, failure in enumerate(self.failures):
                if failure.path in (None, path):
                    return self.failures.pop(index)
        return None

    def calls(self, path: str) -> list[Any]:
        return [body for called, body in self.requests if called == path]


# --- iiko ------------------------------------------------------------------------------------------


@dataclass
class FakeIikoState(FakeServerState):
    organization_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    terminal_group_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    organization_name: str = "Fake Bistro LLC"
    api_logins: set[str] = field(default_factory=lambda: {"good-login"})
    api_keys: set[tuple[str, str, str]] = field(default_factory=set)
    valid_tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    table_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_settings: dict[str, Any] = field(default_factory=dict)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (iiko's hour is up): the next call gets a 401."""
        with self.lock:
            self.valid_tokens.clear()

    def issue_token(self, jwt: bool = False) -> str:
        with self.lock:
            self.tokens_issued += 1
            if jwt:
                header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
                exp = int((datetime.now() + timedelta(hours=1)).timestamp())
                claims = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).rstrip(b"=").decode()
                token = f"{header}.{claims}.{uuid.uuid4().hex}"
            else:
                token = str(uuid.uuid4())
            self.valid_tokens.add(token)
            return token


def iiko_order_info(
    order_id: str,
    *,
    organization_id: str,
    terminal_group_id: str,
    closed_local: datetime,
    status: str = "Closed",
    phone: str | None = "+79161234567",
    lines: list[tuple[str, float, float, float]] | None = None,
    kind: str = "delivery",
) -> dict[str, Any]:
    """An order info as iiko returns it (deliveries by date / by id, table orders by id, webhook eventInfo)."""
    lines = lines or [("Капучино", 2.0, 250.0, 450.0), ("Чизкейк", 1.0, 320.0, 320.0)]
    items = [
        {
            "type": "Product",
            "product": {"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), "name": name},
            "modifiers": [],
            "price": price,
            "cost": round(price * amount, 2),
            "pricePredefined": False,
            "positionId": str(uuid.uuid4()),
            "taxPercent": None,
            "resultSum": result_sum,
            "status": "Added",
            "deleted": None,
            "amount": amount,
            "comment": None,
            "whenPrinted": iiko_local(closed_local - timedelta(minutes=30)),
            "size": None,
            "comboInformation": None,
        }
        for name, amount, price, result_sum in lines
    ]
    items.append(  # a line deleted before the bill: iiko keeps it, marked
        {
            "type": "Product",
            "product": {"id": str(uuid.uuid4()), "name": "Отменённый эспрессо"},
            "price": 150.0,
            "cost": 150.0,
            "resultSum": 150.0,
            "amount": 1.0,
            "status": "Added",
            "deleted": {
                "deletionMethod": {"id": str(uuid.uuid4()), "comment": "guest changed mind", "removalType": None}
            },
        }
    )
    total = round(sum(line[3] for line in lines), 2)
    order: dict[str, Any] = {
        "phone": phone,
        "status": status,
        "whenCreated": iiko_local(closed_local - timedelta(hours=1)),
        "whenBillPrinted": iiko_local(closed_local - timedelta(minutes=5)) if status != "New" else None,
        "whenClosed": iiko_local(closed_local) if status in {"Closed", "Deleted", "Cancelled"} else None,
        "sum": total,
        "number": 1000 + abs(hash(order_id)) % 9000,
        "items": items,
        "combos": [],
        "payments": [
            {
                "paymentType": {"id": str(uuid.uuid4()), "name": "Visa", "kind": "Card"},
                "sum": total,
                "isPreliminary": False,
                "isExternal": False,
                "isProcessedExternally": False,
                "isFiscalizedExternally": False,
                "isPrepay": False,
            }
        ],
        "tips": [],
        "discounts": [],
        "orderType": {"id": str(uuid.uuid4()), "name": "Доставка самовывоз", "orderServiceType": "DeliveryByClient"},
        "terminalGroupId": terminal_group_id,
        "processedPaymentsSum": total,
        "guestsInfo": {"count": 1, "splitBetweenPersons": False},
    }
    if kind == "delivery":
        order["completeBefore"] = iiko_local(closed_local)
        order["cookingStartTime"] = iiko_local(closed_local - timedelta(minutes=50))
    else:
        order["tableIds"] = [str(uuid.uuid4())]
    return {
        "id": order_id,
        "posId": str(uuid.uuid4()),
        "externalNumber": None,
        "organizationId": organization_id,
        "timestamp": int(closed_local.timestamp() * 1000),
        "creationStatus": "Success",
        "errorInfo": None,
        "order": order,
    }


class _Handler(BaseHTTPRequestHandler):
    state: Any

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class _IikoHandler(_Handler):
    state: FakeIikoState

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._reply(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8", headers)

    def do_POST(self) -> None:
        raw = self._body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, {"errorDescription": "Invalid JSON"})
            return
        state = self.state
        with state.lock:
            state.requests.append((self.path, body))
        failure = state.take_failure(self.path)
        if failure is not None:
            self._json(failure.status, {"errorDescription": "injected failure"}, failure.headers)
            return
        correlation = str(uuid.uuid4())
        if self.path == "/api/1/access_token":
            if body.get("apiLogin") in state.api_logins:
                self._json(200, {"correlationId": correlation, "token": state.issue_token()})
            else:
                self._json(401, {"errorDescription": "Login is not authorized", "error": "NOT_AUTHORIZED"})
            return
        if self.path == "/api/v2/access_token":
            key = (body.get("apiKey"), body.get("appId"), body.get("clientSecret"))
            if key in state.api_keys:
                self._json(200, {"correlationId": correlation, "token": state.issue_token(jwt=True)})
            else:
                self._json(401, {"errorDescription": "Invalid api key"})
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in state.valid_tokens:
            self._json(401, {"errorDescription": "Unauthorized", "error": "NOT_AUTHORIZED"})
            return
        if self.path == "/api/1/deliveries/by_delivery_date_and_status":
            start = parse_iiko_local(body["deliveryDateFrom"])
            end = parse_iiko_local(body["deliveryDateTo"]) if body.get("deliveryDateTo") else None
            statuses = set(body.get("statuses") or [])
            orders = [
                info
                for info in state.deliveries
                if info["organizationId"] in body["organizationIds"]
                and (not statuses or info["order"]["status"] in statuses)
                and start <= parse_iiko_local(info["order"]["completeBefore"])
                and (end is None or parse_iiko_local(info["order"]["completeBefore"]) <= end)
            ]
            self._json(
                200,
                {
                    "correlationId": correlation,
                    "maxRevision": 1000 + len(state.requests),
                    "ordersByOrganizations": [{"organizationId": state.organization_id, "orders": orders}],
                },
            )
            return
        if self.path == "/api/1/order/by_id":
            orders = [
                state.table_orders[order_id] for order_id in body.get("orderIds", []) if order_id in state.table_orders
            ]
            self._json(200, {"correlationId": correlation, "orders": orders})
            return
        if self.path == "/api/1/deliveries/by_id":
            by_id = {info["id"]: info for info in state.deliveries}
            orders = [by_id[order_id] for order_id in body.get("orderIds", []) if order_id in by_id]
            self._json(200, {"correlationId": correlation, "orders": orders})
            return
        if self.path == "/api/1/organizations":
            self._json(
                200,
                {
                    "correlationId": correlation,
                    "organizations": [{"id": state.organization_id, "name": state.organization_name}],
                },
            )
            return
        if self.path == "/api/1/webhooks/update_settings":
            state.webhook_settings = body
            self._json(200, {"correlationId": correlation})
            return
        self._json(404, {"errorDescription": f"Unknown method {self.path}"})


# --- R-Keeper --------------------------------------------------------------------------------------


@dataclass
class FakeRkeeperState(FakeServerState):
    username: str = "xml-user"
    password: str = "xml-pass"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # guid → order facts
    version: int = 100


def rkeeper_order(
    guid: str,
    *,
    visit: int,
    finished: bool = True,
    deleted: bool = False,
    card: str | None = "77001234",
    dishes: list[tuple[str, int, int, int]] | None = None,
    finish_time: datetime | None = None,
) -> dict[str, Any]:
    """Facts of one order; dishes are (name, quantity in thousandths, price in kopecks, discount in kopecks)."""
    dishes = dishes or [("Борщ", 1000, 45000, 0), ("Пельмени", 2000, 39000, 7800)]
    total = sum(quantity * price // 1000 - discount for _name, quantity, price, discount in dishes)
    return {
        "guid": guid,
        "visit": visit,
        "finished": finished,
        "deleted": deleted,
        "card": card,
        "dishes": dishes,
        "total": total,
        "finish_time": finish_time or datetime.now().replace(microsecond=0),
    }


class _RkeeperHandler(_Handler):
    state: FakeRkeeperState

    def _xml(self, status: int, xml: str, headers: dict[str, str] | None = None) -> None:
        self._reply(status, ('<?xml version="1.0" encoding="utf-8"?>' + xml).encode(), "application/xml", headers)

    def do_POST(self) -> None:
        import xml.etree.ElementTree as ElementTree

        raw = self._body()
        state = self.state
        with state.lock:
            state.requests.append((self.path, raw.decode()))
        failure = state.take_failure(self.path)
        if failure is not None:
            self._xml(failure.status, "<error/>", failure.headers)
            return
        expected = "Basic " + base64.b64encode(f"{state.username}:{state.password}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._reply(401, b"Unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="RK7"'})
            return
        command = ElementTree.fromstring(raw).find("RK7CMD")  # noqa: S314 (our own test traffic)
        name = command.get("CMD") if command is not None else ""
        stamp = datetime.now().replace(microsecond=0).isoformat()
        common = (
            f'ServerVersion="7.6.5.92" XmlVersion="246" NetName="CASH-01" CMD="{name}" DateTime="{stamp}" WorkTime="0"'
        )
        head = f'{common} Status="Ok" ErrorText="" Processed="1"'
        if name == "GetOrderList":
            visits = {}
            for order in state.orders.values():
                visits.setdefault(order["visit"], []).append(order)
            body = "".join(
                f'<Visit VisitID="{visit}" guid="{{{uuid.uuid4()}}}" Finished="{int(all(o["finished"] for o in orders))}" GuestsCount="1">'
                + (
                    f'<Guests count="1"><Guest GuestLabel="1" CardCode={quoteattr(orders[0]["card"])}/></Guests>'
                    if orders[0]["card"]
                    else ""
                )
                + "<Orders>"
                + "".join(
                    f'<Order OrderID="{index + 1}" OrderName="1.{index + 1}" Version="3" crc32="0" guid="{{{o["guid"]}}}" url=""'
                    f' OrderSum="{o["total"]}" ToPaySum="{0 if o["finished"] else o["total"]}" PriceListSum="{o["total"]}"'
                    f' TotalPieces="3000" Finished="{int(o["finished"])}" Bill="1"'
                    f' CreateTime="{(o["finish_time"] - timedelta(hours=1)).isoformat()}"'
                    f' FinishTime="{o["finish_time"].isoformat() if o["finished"] else ""}"'
                    f' TableID="1001" TableCode="5" TableName="5" WaiterID="2001" WaiterCode="7"/>'
                    for index, o in enumerate(orders)
                )
                + "</Orders></Visit>"
                for visit, orders in visits.items()
            )
            self._xml(200, f'<RK7QueryResult {head} lastversion="{state.version}">{body}</RK7QueryResult>')
            return
        if name == "GetOrder":
            element = command.find("Order") if command is not None else None
            guid = (element.get("guid") if element is not None else "").strip("{}").upper()
            order = state.orders.get(guid)
            if order is None:
                self._xml(200, f'<RK7QueryResult {common} Status="Query Executing Error" ErrorText="Order not found"/>')
                return
            dishes = "".join(
                f'<Dish id="{1000 + index}" code="{100 + index}" name={quoteattr(dish_name)} uni="{index + 1}" quantity="{quantity}" price="{price}">'
                + (f'<Discount id="7" code="7" name="Сотрудник" amount="-{discount}"/>' if discount else "")
                + "</Dish>"
                for index, (dish_name, quantity, price, discount) in enumerate(order["dishes"])
            )
            card = (
                f'<Guests><Guest guestLabel="1" CardCode={quoteattr(order["card"])}/></Guests>' if order["card"] else ""
            )
            xml = (
                f'<RK7QueryResult {head}><Order visit="{order["visit"]}" orderIdent="256" guid="{{{order["guid"]}}}"'
                f' url="" orderName="5.1" version="3" crc32="0" openTime="{(order["finish_time"] - timedelta(hours=1)).isoformat()}"'
                f' orderSum="{order["total"]}" unpaidSum="0" discountSum="0" totalPieces="3000" seqNumber="12"'
                f' paid="{int(order["finished"])}" finished="{int(order["finished"])}" deleted="{int(order["deleted"])}">'
                f'<Creator id="2001" code="7" name="Анна"/><Waiter id="2001" code="7" name="Анна"/>'
                f'<Station id="15015" code="1" name="Касса 1"/><Table id="1001" code="5" name="5"/>{card}'
                f'<Session uni="1" line_guid="{{{uuid.uuid4()}}}" state="1" sessionID="1" isDraft="0" remindTime="">'
                f'<Station id="15015" code="1" name="Касса 1"/>{dishes}</Session>'
                f'<Pay id="1" code="1" name="Наличные" amount="{order["total"]}"/>'
                "</Order></RK7QueryResult>"
            )
            self._xml(200, xml)
            return
        self._xml(200, f'<RK7QueryResult {common} Status="Unknown command" ErrorText="{name}"/>')


@contextmanager
def _serve(handler: type[_Handler], state: FakeServerState) -> Iterator[str]:
    bound = type(f"Bound{handler.__name__}", (handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fake_iiko() -> Iterator[tuple[str, FakeIikoState]]:
    state = FakeIikoState()
    with _serve(_IikoHandler, state) as url:
        yield url, state


@contextmanager
def fake_rkeeper() -> Iterator[tuple[str, FakeRkeeperState]]:
    state = FakeRkeeperState()
    with _serve(_RkeeperHandler, state) as url:
        yield url + "/rk7api/v0/xmlinterface.xml", state
