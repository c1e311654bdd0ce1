"""Shapes of the POS API: connections, sync runs, receipts and refused pushes in answers, and what the endpoints
accept (shape and validation only; the services decide the rest)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.access import access_for
from guests.masking import contact_view
from pos.models import (
    ClaimStatus,
    ConnectionStatus,
    PosConnection,
    PosKind,
    Receipt,
    ReceiptClaim,
    ReceiptStatus,
    RejectedAttempt,
    SyncRun,
)


class PosConnectionOut(serializers.ModelSerializer[PosConnection]):
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    has_credentials = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()
    notification_url = serializers.SerializerMethodField()

    class Meta:
        model = PosConnection
        fields = [
            "id",
            "restaurant",
            "restaurant_name",
            "name",
            "kind",
            "status",
            "external_organization_id",
            "external_terminal_id",
            "external_restaurant_code",
            "api_base_url",
            "has_credentials",
            "credentials_updated_at",
            "secret_rotated_at",
            "previous_secret_valid_until",
            "poll_interval_minutes",
            "sync_cursor",
            "last_synced_at",
            "last_error",
            "last_error_at",
            "webhook_url",
            "notification_url",
            "created_at",
            "updated_at",
        ]

    def get_has_credentials(self, obj: PosConnection) -> bool:
        return bool(obj.credentials_encrypted)

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_webhook_url(self, obj: PosConnection) -> str:
        return self._absolute(reverse("pos-api:webhook-receive", kwargs={"connection_id": obj.pk}))

    def get_notification_url(self, obj: PosConnection) -> str | None:
        names: dict[str, str] = {
            PosKind.IIKO: "pos-api:iiko-webhook-receive",
            PosKind.RKEEPER: "pos-api:rkeeper-notification-receive",
        }
        name = names.get(obj.kind)
        return self._absolute(reverse(name, kwargs={"connection_id": obj.pk})) if name else None


class PosConnectionInput(serializers.Serializer[None]):
    restaurant = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PosKind.choices)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=[ConnectionStatus.ACTIVE, ConnectionStatus.PAUSED], required=False)
    external_organization_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    external_terminal_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    external_restaurant_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    api_base_url = serializers.URLField(max_length=300, required=False, allow_blank=True)
    credentials = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    poll_interval_minutes = serializers.IntegerField(min_value=5, max_value=7 * 24 * 60, required=False)


class PosConnectionRotateTokenInput(serializers.Serializer[None]):
    register_with_iiko = serializers.BooleanField(required=False, default=False)


class SyncRunOut(serializers.ModelSerializer[SyncRun]):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "status",
            "started_at",
            "finished_at",
            "window_from",
            "window_to",
            "pages",
            "fetched_count",
            "new_count",
            "error_count",
            "errors",
        ]


class ReceiptOut(serializers.ModelSerializer[Receipt]):
    """Needs context={"request": ...}: guests' contacts in what the POS sent are masked by the one contact rule."""

    # What the POS sent and texts made from it may carry a guest's phone or email (guests.masking.contact_view).
    GUEST_DOCUMENTS = ("payload", "lines", "payments", "outcome_detail", "last_error")

    def to_representation(self, instance: Receipt) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        request = self.context.get("request")
        view = contact_view(access_for(request) if request is not None else None)
        for field in self.GUEST_DOCUMENTS:
            if field in data:
                data[field] = view.payload(data[field])
        return data

    class Meta:
        model = Receipt
        fields = [
            "id",
            "connection",
            "restaurant",
            "external_id",
            "operation",
            "status",
            "source",
            "opened_at",
            "closed_at",
            "terminal",
            "guest_identifier_kind",
            "guest",
            "lines",
            "payments",
            "total_amount",
            "currency",
            "promo_code",
            "points_requested",
            "points_earned",
            "points_spent",
            "outcome_reason",
            "outcome_detail",
            "visit_id",
            "refund_of",
            "attempts",
            "next_attempt_at",
            "last_error",
            "received_at",
            "processed_at",
        ]


class ReceiptDetailOut(ReceiptOut):
    class Meta(ReceiptOut.Meta):
        fields = [*ReceiptOut.Meta.fields, "payload"]


class ReceiptFilters(serializers.Serializer[None]):
    status = serializers.ChoiceField(choices=ReceiptStatus.choices, required=False)
    failed = serializers.BooleanField(required=False, default=False)
    restaurant = serializers.IntegerField(required=False)
    connection = serializers.IntegerField(required=False)
    external_id = serializers.CharField(required=False)
    received_from = serializers.DateTimeField(required=False)
    received_to = serializers.DateTimeField(required=False)


class RejectedAttemptOut(serializers.ModelSerializer[RejectedAttempt]):
    class Meta:
        model = RejectedAttempt
        fields = [
            "id",
            "connection",
            "connection_ref",
            "endpoint",
            "reason",
            "http_status",
            "client_ip",
            "request_id",
            "body_sha256",
            "body_size",
            "external_id",
            "field_errors",
            "count",
            "first_received_at",
            "received_at",
        ]


class ReceiptClaimOut(serializers.ModelSerializer[ReceiptClaim]):
    class Meta:
        model = ReceiptClaim
        fields = [
            "id",
            "guest",
            "source",
            "status",
            "receipt_at",
            "total_amount",
            "fiscal_drive",
            "document_number",
            "fiscal_sign",
            "receipt_id",
            "restaurant",
            "points_earned",
            "outcome_reason",
            "attempts",
            "created_at",
            "expires_at",
            "matched_at",
        ]


class ReceiptClaimFilters(serializers.Serializer[None]):
    """The claims page's filters: status, restaurant (where matched), visit days (the receipt's, in the chain's
    time zone, both included)."""

    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)
    restaurant = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class ClaimReceiptOut(serializers.ModelSerializer[Receipt]):
    """A receipt beside a claim, as the claims page shows it (no payload: nothing a guest sent)."""

    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "external_id",
            "restaurant",
            "restaurant_name",
            "closed_at",
            "total_amount",
            "currency",
            "status",
            "points_earned",
        ]


class CandidateReceiptOut(serializers.Serializer[Any]):
    receipt = ClaimReceiptOut(read_only=True)
    minutes_apart = serializers.IntegerField(read_only=True)
    is_same_sum = serializers.BooleanField(read_only=True)
    fits = serializers.BooleanField(read_only=True, help_text="Automatic matching would take it (sum and time).")
    is_refunded = serializers.BooleanField(read_only=True)


class ReceiptClaimDetailOut(ReceiptClaimOut):
    """Needs context={"review": pos.selectors.ClaimReview}: the claim's QR fields, its matched receipt, the
    receipts it may be for while open and the actions it allows."""

    receipt = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()
    can_match = serializers.SerializerMethodField()
    can_reject = serializers.SerializerMethodField()

    class Meta(ReceiptClaimOut.Meta):
        fields = [
            *ReceiptClaimOut.Meta.fields,
            "operation_type",
            "fiscal_key",
            "review_note",
            "receipt",
            "candidates",
            "can_match",
            "can_reject",
        ]

    @extend_schema_field(ClaimReceiptOut(allow_null=True))
    def get_receipt(self, obj: ReceiptClaim) -> dict[str, Any] | None:
        receipt = self.context["review"].receipt
        return dict(ClaimReceiptOut(receipt).data) if receipt is not None else None

    @extend_schema_field(CandidateReceiptOut(many=True))
    def get_candidates(self, obj: ReceiptClaim) -> list[dict[str, Any]]:
        return list(CandidateReceiptOut(self.context["review"].candidates, many=True).data)

    def get_can_match(self, obj: ReceiptClaim) -> bool:
        return bool(self.context["review"].can_match)

    def get_can_reject(self, obj: ReceiptClaim) -> bool:
        return bool(self.context["review"].can_reject)


class ReceiptClaimMatchInput(serializers.Serializer[None]):
    receipt_id = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReceiptClaimRejectInput(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=500, help_text="The guest is told it.")
