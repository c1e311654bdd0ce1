"""Shapes of the guests API: guests in answers (contacts through the one masking function, loyalty figures when
present), and what the endpoints accept."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from guests.masking import mask_contact
from guests.models import ConsentChannel, Gender, Guest, GuestSource, ImportJob, Visit
from guests.selectors import loyalty_figures
from wallet.models import WalletPlatform
from wallet.selectors import wallet_summary_of_guest

ConsentOut = inline_serializer(
    "GuestConsent",
    {
        "given": serializers.BooleanField(),
        "given_at": serializers.DateTimeField(allow_null=True),
        "withdrawn_at": serializers.DateTimeField(allow_null=True),
    },
)
LoyaltyOut = inline_serializer(
    "GuestLoyalty",
    {
        "available": serializers.IntegerField(allow_null=True),
        "pending": serializers.IntegerField(allow_null=True),
        "level": inline_serializer(
            "GuestLevel", {"id": serializers.IntegerField(), "name": serializers.CharField()}, allow_null=True
        ),
    },
    allow_null=True,
)


class GuestOut(serializers.Serializer[Guest]):
    """Needs context={"access": ChainAccess} so contacts are masked for roles without VIEW_GUEST_CONTACTS."""

    id = serializers.IntegerField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField()
    birthday = serializers.DateField(allow_null=True)
    gender = serializers.CharField()
    language = serializers.CharField()
    card_number = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # the guest's source, not DRF's Field.source
    status = serializers.CharField()
    home_restaurant = serializers.IntegerField(source="home_restaurant_id", allow_null=True)
    has_telegram = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    loyalty = serializers.SerializerMethodField()
    first_visit_at = serializers.DateTimeField(allow_null=True)
    last_visit_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_phone(self, guest: Guest) -> str:
        return mask_contact(guest.phone, kind="phone", access=self.context.get("access"))

    def get_email(self, guest: Guest) -> str:
        return mask_contact(guest.email, kind="email", access=self.context.get("access"))

    def get_has_telegram(self, guest: Guest) -> bool:
        return guest.telegram_chat_id is not None

    @extend_schema_field(serializers.DictField(child=ConsentOut))
    def get_consents(self, guest: Guest) -> dict[str, dict[str, Any]]:
        return {
            channel: {
                "given": guest.has_consent(channel),
                "given_at": serializers.DateTimeField().to_representation(getattr(guest, f"{channel}_consent_at"))
                if getattr(guest, f"{channel}_consent_at")
                else None,
                "withdrawn_at": serializers.DateTimeField().to_representation(
                    getattr(guest, f"{channel}_consent_withdrawn_at")
                )
                if getattr(guest, f"{channel}_consent_withdrawn_at")
                else None,
            }
            for channel in ConsentChannel.values
        }

    @extend_schema_field(LoyaltyOut)
    def get_loyalty(self, guest: Guest) -> dict[str, Any] | None:
        return loyalty_figures(guest)


class WalletOut(serializers.Serializer[dict[str, Any]]):
    platforms = serializers.ListField(child=serializers.ChoiceField(choices=WalletPlatform.choices))
    devices = serializers.IntegerField(help_text="Apple devices registered for the card's updates")
    last_updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When what a wallet card shows last changed; null without a card"
    )


class WalletCardOut(serializers.Serializer[Any]):
    platform = serializers.ChoiceField(choices=WalletPlatform.choices)
    devices = serializers.IntegerField(source="device_count", help_text="Apple devices registered for its updates")
    last_updated_at = serializers.DateTimeField(source="changed_at", help_text="When what the card shows last changed")
    created_at = serializers.DateTimeField()


class GuestWalletOut(serializers.Serializer[Any]):
    cards = WalletCardOut(many=True)
    add_url = serializers.CharField(
        allow_null=True,
        help_text="The guest's signed add-to-wallet page (for an integrator's app or email); null while no wallet "
        "is configured",
    )


class WalletLinkSentOut(serializers.Serializer[Any]):
    message_id = serializers.IntegerField()
    channel = serializers.CharField(help_text="The channel messaging chose; empty when none reaches the guest")
    status = serializers.CharField()
    reason = serializers.CharField(help_text="Why it could not be sent, when it could not")


class GuestDetailOut(GuestOut):
    """One guest, with the phone wallets the guest keeps the loyalty card in."""

    wallet = serializers.SerializerMethodField()

    @extend_schema_field(WalletOut)
    def get_wallet(self, guest: Guest) -> dict[str, Any]:
        return dict(WalletOut(wallet_summary_of_guest(guest)).data)


class VisitOut(serializers.ModelSerializer[Visit]):
    restaurant_name = serializers.CharField(source="restaurant.name", default=None, allow_null=True)

    class Meta:
        model = Visit
        fields = (
            "id",
            "restaurant",
            "restaurant_name",
            "visited_at",
            "check_amount",
            "currency",
            "points_earned",
            "points_spent",
            "receipt_id",
        )


class ImportJobOut(serializers.ModelSerializer[ImportJob]):
    class Meta:
        model = ImportJob
        fields = (
            "id",
            "status",
            "file_name",
            "total",
            "processed",
            "created",
            "updated",
            "failed",
            "errors",
            "duplicates",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        )


# --- what the endpoints accept (shape and validation only; business checks are the services') ---------------------
# An input serializer validates data and is never given an instance: Serializer[None].


class ConsentsInput(serializers.Serializer[None]):
    sms = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    telegram = serializers.BooleanField(required=False)


class GuestFieldsInput(serializers.Serializer[None]):
    """Fields a staff member may set on a guest; business checks (phone, duplicates, restaurants) are the service's."""

    phone = serializers.CharField(max_length=40)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=["ru", "en"], required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    card_number = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    home_restaurant = serializers.IntegerField(required=False, allow_null=True)
    consents = ConsentsInput(required=False)


class GuestCreateInput(GuestFieldsInput):
    source = serializers.ChoiceField(  # type: ignore[assignment]  # the guest's source, not DRF's Field.source
        choices=[GuestSource.CASHIER, GuestSource.API, GuestSource.SIGNUP], default=GuestSource.API
    )


class GuestEraseInput(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class GuestStatusInput(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class GuestLookupInput(serializers.Serializer[None]):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    card = serializers.CharField(required=False, allow_blank=True, max_length=40)
    qr = serializers.CharField(required=False, allow_blank=True, max_length=64)


class GuestImportInput(serializers.Serializer[None]):
    file = serializers.FileField()


class DuplicatePairOut(serializers.Serializer[Any]):
    """Needs context={"access": ChainAccess} (the guests' contacts are masked as in GuestOut)."""

    first = GuestOut()
    second = GuestOut()
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicatePageOut(serializers.Serializer[Any]):
    """A page of PAGE_SIZE pairs (ask the next page while a page is full), found by the scan of `compared_at`."""

    results = DuplicatePairOut(many=True)
    compared_at = serializers.DateTimeField(allow_null=True, help_text="When the pairs were found (null: never yet)")
    is_comparing = serializers.BooleanField(help_text="A new comparison of every guest is queued or running")


class DuplicateListInput(serializers.Serializer[Any]):
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    guest = serializers.IntegerField(min_value=1, required=False)


class GuestMergeInput(serializers.Serializer[Any]):
    other_id = serializers.IntegerField(min_value=1)


class GuestMergeOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    survivor_id = serializers.IntegerField()
    merged_id = serializers.IntegerField()
    merged_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)
    moved = serializers.SerializerMethodField()

    def get_moved(self, merge: Any) -> dict[str, int]:
        return {key: len(value) for key, value in merge.moved.items() if isinstance(value, list)}
