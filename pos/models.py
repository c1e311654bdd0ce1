"""The POS side of a chain's restaurants: their POS connections, the checks (receipts) the POS reports, sync runs."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from restaurants.models import Restaurant


class PosKind(models.TextChoices):
    IIKO = "iiko", _("iiko")
    RKEEPER = "rkeeper", _("R-Keeper")
    WEBHOOK = "webhook", _("Any POS (signed webhook)")


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("POS connection status", "Active")
    FAILING = "failing", pgettext_lazy("POS connection status", "Failing")
    PAUSED = "paused", pgettext_lazy("POS connection status", "Paused")


class PosConnection(models.Model):
    """How one restaurant's POS talks to us: pushes signed checks, is polled, or both."""

    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.PROTECT, related_name="pos_connections", verbose_name=_("restaurant")
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    kind = models.CharField(_("POS type"), max_length=16, choices=PosKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    # External ids: iiko organisation and terminal group; R-Keeper restaurant/object code and cash station.
    external_organization_id = models.CharField(_("organisation id"), max_length=64, blank=True)
    external_terminal_id = models.CharField(_("terminal id"), max_length=64, blank=True)
    external_restaurant_code = models.CharField(_("restaurant code"), max_length=64, blank=True)
    api_base_url = models.URLField(_("API address"), max_length=300, blank=True)
    # Encrypted at rest (maxloyalty.encryption); never shown again after saving, only replaced.
    credentials_encrypted = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    credentials_updated_at = models.DateTimeField(_("credentials updated at"), null=True, blank=True)
    signing_secret_encrypted = models.TextField(_("signing secret (encrypted)"), blank=True, editable=False)
    previous_signing_secret_encrypted = models.TextField(
        _("previous signing secret (encrypted)"), blank=True, editable=False
    )
    previous_secret_valid_until = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)
    # SHA-256 of the token a POS echoes to prove itself (iiko webhooks, R-Keeper notifications).
    inbound_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    poll_interval_minutes = models.PositiveIntegerField(_("poll interval (minutes)"), default=60)
    sync_cursor = models.JSONField(_("sync cursor"), default=dict, blank=True)
    last_synced_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("POS connection")
        verbose_name_plural = _("POS connections")
        ordering = ["restaurant_id", "id"]
        indexes = [
            models.Index(fields=["status"], name="pos_connection_status_idx"),
            models.Index(fields=["kind", "status"], name="pos_connection_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_polled(self) -> bool:
        return self.kind in (PosKind.IIKO, PosKind.RKEEPER)


class ReceiptOperation(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund or cancellation")


class ReceiptStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class ReceiptSource(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    PULL = "pull", _("Polling")
    NOTIFICATION = "notification", _("POS notification")


# POS check ids of the checks "Send a test check" sends (pos.services.connection_checks), for the chain's test guest.
TEST_CHECK_PREFIX = "maxloyalty-test-"


class Receipt(models.Model):
    """One check (or its refund) as the POS reported it, and what the loyalty program made of it.

    Partitioned by month on received_at (maxloyalty.db.partitions); one receipt per POS check id and operation
    is ReceiptKey's rule."""

    # Every receipt index is written on each check twice (insert, outcome): the foreign keys use the composite
    # indexes below (same leading column) instead of single-column ones of their own.
    connection = models.ForeignKey(PosConnection, on_delete=models.PROTECT, related_name="receipts", db_index=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="receipts", db_index=False)
    external_id = models.CharField(_("POS check id"), max_length=128)
    operation = models.CharField(_("operation"), max_length=8, choices=ReceiptOperation.choices)
    status = models.CharField(_("status"), max_length=16, choices=ReceiptStatus.choices, default="received")
    source = models.CharField(_("source"), max_length=16, choices=ReceiptSource.choices)
    payload = models.JSONField(_("payload as received"), default=dict, encoder=DjangoJSONEncoder)
    content_digest = models.CharField(_("content digest"), max_length=64, blank=True)
    # The check in our own terms (pos.check_format.PosCheck), so processing never re-parses POS formats.
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    terminal = models.CharField(_("terminal"), max_length=64, blank=True)
    guest_identifier_kind = models.CharField(_("guest identified by"), max_length=8, blank=True)
    guest_identifier = models.CharField(_("guest identifier"), max_length=64, blank=True)
    lines = models.JSONField(_("lines"), default=list)
    payments = models.JSONField(_("payments"), default=list, blank=True)
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    promo_code = models.CharField(_("promo code"), max_length=64, blank=True)
    points_requested = models.IntegerField(_("points requested"), default=0)
    # The fiscal document the POS printed for the check, when it says (pos.fiscal_qr.fiscal_key): a guest's claim
    # from the receipt's QR finds its receipt by it (pos.services.claims).
    fiscal_key = models.CharField(_("fiscal document"), max_length=64, blank=True)
    # Outcome
    guest = models.ForeignKey(
        "guests.Guest", null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts", db_index=False
    )
    points_earned = models.IntegerField(_("points earned"), default=0)
    points_spent = models.IntegerField(_("points spent"), default=0)
    outcome_reason = models.CharField(_("outcome"), max_length=64, blank=True)
    outcome_detail = models.TextField(_("outcome detail"), blank=True)
    visit_id = models.BigIntegerField(_("visit"), null=True, blank=True)
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refunds",
        verbose_name=_("refund of"),
        db_index=False,  # a partial index below: few receipts are refunds
        db_constraint=False,  # a partitioned table cannot be pointed at by id alone
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_amount__gte=0), name="pos_receipt_total_not_negative"),
        ]
        # Every index costs each receipt two entries (its insert, and the drain's update, which changes the indexed
        # status). A status filter needs none of its own: received and failed receipts are the pending index's few
        # rows, and processed ones nearly all rows, read in received order.
        indexes = [
            models.Index(
                fields=["id"],
                name="pos_receipt_pending_idx",
                condition=models.Q(status__in=["received", "failed"]),
            ),
            models.Index(fields=["restaurant", "-received_at"], name="pos_receipt_restaurant_idx"),
            models.Index(fields=["connection", "-received_at"], name="pos_receipt_connection_idx"),
            models.Index(fields=["guest", "-received_at"], name="pos_receipt_guest_idx"),
            models.Index(fields=["received_at"], name="pos_receipt_received_idx"),
            models.Index(
                fields=["refund_of"], name="pos_receipt_refund_of_idx", condition=models.Q(refund_of__isnull=False)
            ),
            # Only receipts whose POS sends fiscal data cost an entry.
            models.Index(fields=["fiscal_key"], name="pos_receipt_fiscal_idx", condition=~models.Q(fiscal_key="")),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.get_operation_display()})"

    @property
    def is_test_check(self) -> bool:
        return self.external_id.startswith(TEST_CHECK_PREFIX)

    @property
    def idempotency_key(self) -> str:
        """The key the loyalty ledger sees: the same POS check can never accrue twice, whatever path it took."""
        return f"pos:{self.connection_id}:{self.operation}:{self.external_id}"


class ReceiptKey(models.Model):
    """One receipt per POS check id and operation of a connection, across every month of the partitioned receipts:
    one row per receipt, claimed by a trigger before each insert into the receipts (pos/migrations/0008). A
    check already claimed is not inserted again (the insert of that row does nothing, as ON CONFLICT DO NOTHING
    would), so a retried delivery, even one crossing a month boundary, stores nothing new. Also the index of
    receipts by POS check id."""

    receipt_id = models.BigIntegerField(_("receipt"), primary_key=True)
    connection_id = models.BigIntegerField(_("connection"))
    external_id = models.CharField(_("POS check id"), max_length=128)
    operation = models.CharField(_("operation"), max_length=8, choices=ReceiptOperation.choices)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("receipt key")
        verbose_name_plural = _("receipt keys")
        constraints = [
            models.UniqueConstraint(
                fields=["connection_id", "external_id", "operation"], name="pos_receiptkey_external_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["external_id"], name="pos_receiptkey_external_idx")]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.operation}) → {self.receipt_id}"


# A receipt's columns by who writes them, declared once for the receipt pipeline (pos.services.receipts);
# pos/tests/test_receipt_columns.py fails on a concrete field that is in neither of the first two groups, or in both.
# Written once, by the acknowledgement, from the check as received (pos.services.receipts.acknowledgement's
# receipt_values sets each):
RECEIPT_CHECK_FIELDS = (
    "connection",
    "restaurant",
    "external_id",
    "operation",
    "source",
    "payload",
    "content_digest",
    "opened_at",
    "closed_at",
    "terminal",
    "guest_identifier_kind",
    "guest_identifier",
    "lines",
    "payments",
    "total_amount",
    "currency",
    "promo_code",
    "points_requested",
    "fiscal_key",
    "received_at",
)
# Written by processing (the drain, in one UPDATE per batch; a staff rerun resets some); a new receipt starts with
# each field's default, which must therefore be a constant:
RECEIPT_OUTCOME_FIELDS = (
    "status",
    "attempts",
    "guest",
    "points_earned",
    "points_spent",
    "outcome_reason",
    "outcome_detail",
    "visit_id",
    "refund_of",
    "next_attempt_at",
    "last_error",
    "processed_at",
)
# Of the check's columns, those processing reads. The rest (the payload as received, payments, terminal, ...) is
# kept for people reading a receipt and is not loaded by the drain.
RECEIPT_PROCESSING_FIELDS = (
    "connection",
    "restaurant",
    "external_id",
    "operation",
    "guest_identifier_kind",
    "guest_identifier",
    "lines",
    "total_amount",
    "currency",
    "promo_code",
    "points_requested",
    "closed_at",
    "received_at",
)


class ClaimStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("receipt claim status", "Waiting for the restaurant's data")
    MATCHED = "matched", pgettext_lazy("receipt claim status", "Points accrued")
    EXPIRED = "expired", pgettext_lazy("receipt claim status", "Not found in time")
    REFUSED = "refused", pgettext_lazy("receipt claim status", "Refused")


class ClaimSource(models.TextChoices):
    BOT = "bot", _("Telegram bot")
    MINI_APP = "mini_app", _("Mini App")


class ReceiptClaim(models.Model):
    """A guest who forgot their card claims a visit with the QR of the fiscal receipt (pos.fiscal_qr): matched to a
    receipt the POS sent without a guest, then accrued as the POS pipeline would (pos.services.claims). One claim
    per fiscal document; a claim not matched yet is retried until expires_at, then expires."""

    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="receipt_claims", db_index=False)
    source = models.CharField(_("source"), max_length=16, choices=ClaimSource.choices)
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    # The QR's fields; receipt_at is the till's local time read in the chain's time zone.
    receipt_at = models.DateTimeField(_("receipt time"))
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    fiscal_drive = models.CharField(_("fiscal drive (FN)"), max_length=16)
    document_number = models.CharField(_("fiscal document number"), max_length=10)
    fiscal_sign = models.CharField(_("fiscal sign (FP)"), max_length=10)
    operation_type = models.CharField(_("operation type"), max_length=1)
    fiscal_key = models.CharField(_("fiscal document"), max_length=64)
    # The receipt it matched (receipts are partitioned: kept by id and month, without a foreign key).
    receipt_id = models.BigIntegerField(_("receipt"), null=True, blank=True)
    receipt_received_at = models.DateTimeField(_("receipt received at"), null=True, blank=True)
    restaurant = models.ForeignKey(
        Restaurant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("restaurant")
    )
    points_earned = models.IntegerField(_("points earned"), default=0)
    outcome_reason = models.CharField(_("outcome"), max_length=64, blank=True)
    review_note = models.CharField(_("staff note"), max_length=500, blank=True)  # a manual match's or rejection's
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    last_tried_at = models.DateTimeField(_("last tried at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt claim")
        verbose_name_plural = _("receipt claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_key"], name="pos_receiptclaim_once_per_fiscal_document"),
            models.UniqueConstraint(
                fields=["receipt_id"],
                name="pos_receiptclaim_once_per_receipt",
                condition=models.Q(receipt_id__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="pos_receiptclaim_guest_idx"),
            models.Index(
                fields=["expires_at"], name="pos_receiptclaim_pending_idx", condition=models.Q(status="pending")
            ),
            models.Index(fields=["-created_at"], name="pos_receiptclaim_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_key}: {self.status}"


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Continues in the next run")
    FAILED = "failed", _("Failed")


class SyncRun(models.Model):
    """One poll of a POS: the window asked for, what came back and what was new."""

    connection = models.ForeignKey(PosConnection, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(_("status"), max_length=16, choices=SyncRunStatus.choices, default="running")
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    window_from = models.DateTimeField(_("window from"), null=True, blank=True)
    window_to = models.DateTimeField(_("window to"), null=True, blank=True)
    cursor_before = models.JSONField(_("cursor before"), default=dict, blank=True)
    cursor_after = models.JSONField(_("cursor after"), default=dict, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    fetched_count = models.PositiveIntegerField(_("checks fetched"), default=0)
    new_count = models.PositiveIntegerField(_("new checks"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "-started_at"], name="pos_syncrun_connection_idx")]

    def __str__(self) -> str:
        return f"{self.connection_id} @ {self.started_at:%Y-%m-%d %H:%M}: {self.status}"


class RejectedAttempt(models.Model):
    """Pushes we refused (bad signature, stale, unknown connection, invalid check), counted per connection (or,
    for an unknown one, per sending address), reason and minute: a flood of bad calls is a few rows, not one per
    call. The row keeps the last refused call's details as a sample. Never holds a secret."""

    bucket = models.CharField(_("counted for"), max_length=64, default="", editable=False)  # "c<id>" or "a<address>"
    minute = models.DateTimeField(_("minute"), null=True, editable=False)
    count = models.PositiveIntegerField(_("attempts"), default=1)
    first_received_at = models.DateTimeField(_("first received at"), default=timezone.now)
    connection = models.ForeignKey(
        PosConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="rejected_attempts"
    )
    connection_ref = models.CharField(_("connection asked for"), max_length=64, blank=True)
    endpoint = models.CharField(_("endpoint"), max_length=32)
    reason = models.CharField(_("reason"), max_length=64)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"))
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, blank=True)
    body_size = models.PositiveIntegerField(_("body size"), default=0)
    external_id = models.CharField(_("POS check id"), max_length=128, blank=True)
    field_errors = models.JSONField(_("field errors"), default=dict, blank=True)
    received_at = models.DateTimeField(_("last received at"), default=timezone.now)

    class Meta:
        verbose_name = _("rejected attempt")
        verbose_name_plural = _("rejected attempts")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["connection", "-received_at"], name="pos_rejected_connection_idx"),
            models.Index(fields=["-received_at"], name="pos_rejected_received_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "endpoint", "reason", "minute"], name="pos_rejected_one_row_per_minute"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.http_status} {self.reason} ×{self.count}"


class TillTipDismissal(models.Model):
    """A staff member closed the till's first-shift tip (templates/pos/_till_tip.html): it is not shown to them again
    in this chain. One row per user; users live in the public schema, so the id is kept without a foreign key."""

    user_id = models.BigIntegerField(_("user"), unique=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed till tip")
        verbose_name_plural = _("dismissed till tips")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.dismissed_at:%Y-%m-%d}"
