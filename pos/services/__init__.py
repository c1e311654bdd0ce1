"""Writes of the POS app: connections, the receipt pipeline and polling."""

from pos.services.connections import (
    IssuedSecrets,
    create_connection,
    delete_connection,
    register_iiko_webhook,
    rotate_inbound_token,
    rotate_signing_secret,
    update_connection,
)
from pos.services.receipts import (
    ReceiptState,
    drain_pending_receipts,
    process_pending_receipts,
    receive_check,
    request_processing,
    rerun_receipt,
    store_checks,
)
from pos.services.rejections import record_rejected_attempt
from pos.services.sync import fetch_notified_orders, purge_old_history, sync_connection

__all__ = [
    "IssuedSecrets",
    "ReceiptState",
    "create_connection",
    "delete_connection",
    "drain_pending_receipts",
    "fetch_notified_orders",
    "process_pending_receipts",
    "purge_old_history",
    "receive_check",
    "record_rejected_attempt",
    "register_iiko_webhook",
    "request_processing",
    "rerun_receipt",
    "rotate_inbound_token",
    "rotate_signing_secret",
    "store_checks",
    "sync_connection",
    "update_connection",
]
