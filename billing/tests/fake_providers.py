"""Local fake Stripe and YooKassa APIs (threading HTTP servers on 127.0.0.1) serving realistic objects.

The real SDKs are pointed at them (STRIPE_API_BASE, YOOKASSA_API_URL). Test helpers act as the customer
(complete a checkout, confirm or decline a payment) and build the webhook events the provider would send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

MONTH = 30 * 86400


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        hosted = getattr(self.server.api, "hosted_page", None)
        parsed = urlparse(self.path)
        target = hosted(parsed.path, parsed.query) if hosted else None
        if target:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._dispatch("GET", b"")

    def do_POST(self) -> None:
        self._dispatch("POST", self._body())

    def _dispatch(self, method: str, body: bytes) -> None:
        result = self.server.api.handle(method, urlparse(self.path).path, body, dict(self.headers.items()))
        if result is None:  # the fake "crashes": the connection drops after the work is done
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status, payload = result
        self._send(status, payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: Any


@contextmanager
def serving(api: Any, port: int = 0) -> Iterator[str]:
    server = _Server(("127.0.0.1", port), _Handler)
    server.api = api
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- Stripe ------------------------------------------------------------------------------------------------


def _nested(form: bytes) -> dict[str, str]:
    return dict(parse_qsl(form.decode(), keep_blank_values=True))


@dataclass
class FakeStripe:
    base_url: str = ""
    api_key: str = "sk_test_fake"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    modifications: list[dict[str, str]] = field(default_factory=list)
    invoice_items: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    webhook_url: str = ""  # development only: where hosted_page delivers events
    webhook_secret: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.sessions.clear()
        self.subscriptions.clear()
        self.invoices.clear()
        self.modifications.clear()
        self.invoice_items.clear()

    def handle(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
        form = _nested(body)
        with self.lock:
            if method == "POST" and path == "/v1/checkout/sessions":
                return 200, self._create_session(form)
            if method == "POST" and path == "/v1/billing_portal/sessions":
                return 200, {
                    "id": "bps_" + uuid.uuid4().hex[:12],
                    "object": "billing_portal.session",
                    "customer": form["customer"],
                    "url": f"{self.base_url}/portal/{form['customer']}",
                    "return_url": form.get("return_url"),
                }
            if method == "POST" and path == "/v1/invoiceitems":
                return 200, self._add_invoice_item(form, headers.get("Idempotency-Key", ""))
            if path.startswith("/v1/subscriptions/"):
                sub_id = path.rsplit("/", 1)[1]
                if sub_id not in self.subscriptions:
                    return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
                if method == "POST":
                    self._modify(sub_id, form)
                return 200, self.subscriptions[sub_id]
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}

    def _add_invoice_item(self, form: dict[str, str], key: str) -> dict[str, Any]:
        """A pending item for the customer's next invoice; a repeated Idempotency-Key answers the first item."""
        if key and key in self.invoice_items:
            return self.invoice_items[key]
        item = {
            "id": "ii_" + uuid.uuid4().hex[:14],
            "object": "invoiceitem",
            "customer": form["customer"],
            "subscription": form.get("subscription"),
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "description": form.get("description", ""),
        }
        self.invoice_items[key or item["id"]] = item
        return item

    def _create_session(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = "cs_test_" + uuid.uuid4().hex[:16]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "status": "open",
            "url": f"{self.base_url}/c/pay/{session_id}",
            "client_reference_id": form.get("client_reference_id"),
            "customer": form.get("customer"),
            "subscription": None,
            "metadata": {"chain_id": form.get("metadata[chain_id]"), "plan": form.get("metadata[plan]")},
            "success_url": form.get("success_url"),
            "price": form.get("line_items[0][price]"),
        }
        self.sessions[session_id] = session
        return session

    def _modify(self, sub_id: str, form: dict[str, str]) -> None:
        self.modifications.append(form)
        sub = self.subscriptions[sub_id]
        if "items[0][price]" in form:
            sub["items"]["data"][0]["price"] = {"id": form["items[0][price]"], "object": "price"}
        if "cancel_at_period_end" in form:
            sub["cancel_at_period_end"] = form["cancel_at_period_end"] == "true"

    # The customer and Stripe's own billing, as helpers for tests ------------------------------------------
    def complete_checkout(self, session_id: str) -> dict[str, Any]:
        """The customer paid on the hosted page: a customer, an active subscription and a paid invoice exist."""
        with self.lock:
            session = self.sessions[session_id]
            customer = session["customer"] or "cus_" + uuid.uuid4().hex[:12]
            sub_id = "sub_" + uuid.uuid4().hex[:14]
            now = int(time.time())
            self.subscriptions[sub_id] = {
                "id": sub_id,
                "object": "subscription",
                "customer": customer,
                "status": "active",
                "cancel_at_period_end": False,
                "metadata": {"chain_id": session["metadata"]["chain_id"]},
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": "si_" + uuid.uuid4().hex[:12],
                            "object": "subscription_item",
                            "price": {"id": session["price"], "object": "price"},
                            "current_period_start": now,
                            "current_period_end": now + MONTH,
                        }
                    ],
                },
            }
            session.update(status="complete", customer=customer, subscription=sub_id)
            return dict(session)

    def renew(self, sub_id: str, *, paid: bool) -> dict[str, Any]:
        """Stripe's renewal attempt: an invoice paid (period moves on) or failed (subscription past_due)."""
        with self.lock:
            sub = self.subscriptions[sub_id]
            item = sub["items"]["data"][0]
            if paid:
                item["current_period_start"] = item["current_period_end"]
                item["current_period_end"] = item["current_period_end"] + MONTH
                sub["status"] = "active"
            else:
                sub["status"] = "past_due"
            return self._invoice(sub, paid=paid)

    def _invoice(self, sub: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        invoice_id = "in_" + uuid.uuid4().hex[:14]
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": sub["customer"],
            "status": "paid" if paid else "open",
            "amount_due": 3900,
            "amount_paid": 3900 if paid else 0,
            "currency": "usd",
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub["id"]}},
        }
        self.invoices[invoice_id] = invoice
        return invoice

    def hosted_page(self, path: str, query: str) -> str | None:
        """Development only: opening the Checkout page pays at once and delivers the signed event to our webhook."""
        if not (path.startswith("/c/pay/") and self.webhook_url):
            return None
        session = self.complete_checkout(path.rsplit("/", 1)[1])
        _deliver(self.webhook_url, stripe_event("checkout.session.completed", session), self.webhook_secret)
        return str(session["success_url"])

    def set_status(self, sub_id: str, status: str) -> dict[str, Any]:
        with self.lock:
            self.subscriptions[sub_id]["status"] = status
            return dict(self.subscriptions[sub_id])


def stripe_event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or "evt_" + uuid.uuid4().hex[:16],
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


# --- YooKassa ----------------------------------------------------------------------------------------------


@dataclass
class FakeYooKassa:
    base_url: str = ""
    shop_id: str = "123456"
    secret_key: str = "test_secret"
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    card_declines: bool = False
    crash_next_create: bool = False
    webhook_url: str = ""  # development only: where hosted_page delivers notifications
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.payments.clear()
        self.by_key.clear()
        self.requests.clear()
        self.card_declines = False
        self.crash_next_create = False

    @property
    def charges(self) -> list[dict[str, Any]]:
        """Payments actually made with a saved card (what the customer's bank would show)."""
        return [p for p in self.payments.values() if p["_saved_card_charge"] and p["status"] == "succeeded"]

    def handle(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        import base64

        expected = "Basic " + base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"type": "error", "code": "invalid_credentials", "description": "Authentication error"}
        with self.lock:
            if method == "POST" and path == "/v3/payments":
                key = headers.get("Idempotence-Key", "")
                if not key:
                    return 400, {"type": "error", "code": "invalid_request", "description": "Idempotence-Key missing"}
                if key in self.by_key:
                    return 200, self._public(self.payments[self.by_key[key]])
                payload = json.loads(body)
                self.requests.append(payload)
                payment = self._create(payload)
                self.by_key[key] = payment["id"]
                if self.crash_next_create:
                    self.crash_next_create = False
                    return None
                return 200, self._public(payment)
            if method == "GET" and path.startswith("/v3/payments/"):
                payment = self.payments.get(path.rsplit("/", 1)[1])
                if payment is None:
                    return 404, {"type": "error", "code": "not_found", "description": "Payment not found"}
                return 200, self._public(payment)
        return 404, {"type": "error", "code": "not_found", "description": path}

    def _create(self, payload: dict[str, Any]) -> dict[str, Any]:
        payment_id = str(uuid.uuid4())
        saved_method = payload.get("payment_method_id")
        payment: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": payload["amount"],
            "description": payload.get("description", ""),
            "metadata": payload.get("metadata", {}),
            "recipient": {"account_id": self.shop_id, "gateway_id": "100500"},
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "test": True,
            "refundable": False,
            "payment_method": {
                "type": "bank_card",
                "id": saved_method or str(uuid.uuid4()),
                "saved": bool(saved_method) or bool(payload.get("save_payment_method")),
                "title": "Bank card *4444",
                "card": {
                    "first6": "555555",
                    "last4": "4444",
                    "expiry_month": "12",
                    "expiry_year": "2030",
                    "card_type": "MasterCard",
                },
            },
            "_saved_card_charge": bool(saved_method),
        }
        if saved_method:
            self._finish(payment, succeeded=not self.card_declines)
        else:
            payment["confirmation"] = {
                "type": "redirect",
                "confirmation_url": f"{self.base_url}/checkout/payments/v2/contract?orderId={payment_id}",
                "return_url": payload["confirmation"]["return_url"],
            }
        self.payments[payment_id] = payment
        return payment

    def _finish(self, payment: dict[str, Any], *, succeeded: bool) -> None:
        if succeeded:
            payment.update(status="succeeded", paid=True, captured_at=payment["created_at"])
            payment["income_amount"] = payment["amount"]
        else:
            payment.update(status="canceled", paid=False)
            payment["payment_method"]["saved"] = bool(payment["_saved_card_charge"])
            payment["cancellation_details"] = {"party": "payment_network", "reason": "insufficient_funds"}
        payment.pop("confirmation", None)

    @staticmethod
    def _public(payment: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in payment.items() if not key.startswith("_")}

    def hosted_page(self, path: str, query: str) -> str | None:
        """Development only: opening the confirmation page pays at once and notifies our webhook."""
        if not (path.startswith("/checkout/payments/") and self.webhook_url):
            return None
        payment_id = dict(parse_qsl(query)).get("orderId", "")
        if payment_id not in self.payments:
            return None
        return_url = self.payments[payment_id].get("confirmation", {}).get("return_url", "/")
        self.customer_pays(payment_id)
        _deliver(self.webhook_url, yookassa_notification(payment_id), None)
        return str(return_url)

    def customer_pays(self, payment_id: str) -> None:
        with self.lock:
            self._finish(self.payments[payment_id], succeeded=True)

    def customer_abandons(self, payment_id: str) -> None:
        with self.lock:
            self._finish(self.payments[payment_id], succeeded=False)


def _deliver(url: str, payload: bytes, stripe_secret: str | None) -> None:
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if stripe_secret:
        headers["Stripe-Signature"] = stripe_signature(payload, stripe_secret)
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310 (our own URL)
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def yookassa_notification(payment_id: str, event: str = "payment.succeeded") -> bytes:
    return json.dumps(
        {"type": "notification", "event": event, "object": {"id": payment_id, "status": event.split(".")[1]}}
    ).encode()
