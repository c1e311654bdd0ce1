"""Shapes of the loyalty API: what it answers (points, quotes, the program) and what its endpoints accept (shape and
validation only; the services decide the rest)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from loyalty import rules
from loyalty.models import (
    EARNING_KINDS,
    Backtest,
    EntryKind,
    LedgerEntry,
    Level,
    ProgramDraft,
    ProgramSettings,
    Promo,
    PromoCode,
)
from loyalty.selectors import Balance
from loyalty.services.backtests import BACKTEST_DAYS

if TYPE_CHECKING:
    from restaurants.models import Restaurant


class LevelBriefOut(serializers.Serializer[rules.LevelSnapshot]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LedgerEntryOut(serializers.ModelSerializer[LedgerEntry]):
    actor_name = serializers.SerializerMethodField()
    has_shortfall = serializers.BooleanField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "points",
            "guest_id",
            "restaurant_id",
            "actor_id",
            "actor_name",
            "reason",
            "receipt_id",
            "created_at",
            "available_at",
            "is_pending",
            "expires_at",
            "remaining_points",
            "reverses_id",
            "shortfall_points",
            "has_shortfall",
        ]
        read_only_fields = fields

    def get_actor_name(self, entry: LedgerEntry) -> str:
        if entry.actor_id is None:
            return "system"
        return entry.actor.display_name if entry.actor is not None else ""


class BalanceOut(serializers.Serializer[Balance]):
    available = serializers.IntegerField()
    pending = serializers.IntegerField()
    lifetime_spend_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    level = LevelBriefOut(allow_null=True)
    next_level = LevelBriefOut(allow_null=True)
    spend_to_next_level_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    expiring_points = serializers.IntegerField(help_text="Points expiring within the program's warning period")
    next_expiry_at = serializers.DateTimeField(allow_null=True)
    is_frozen = serializers.BooleanField(
        help_text="A fraud review holds the points: spending is refused (409 points_frozen), earning goes on"
    )


def balance_data(balance: Balance) -> dict[str, Any]:
    return BalanceOut(balance).data


# Shapes of answers for the schema (the views build their dicts): never given an instance.
class OperationOut(serializers.Serializer[None]):
    entry = LedgerEntryOut()
    balance = BalanceOut()


class CheckOutcomeOut(serializers.Serializer[None]):
    earned = serializers.IntegerField()
    spent = serializers.IntegerField()
    refused_reason = serializers.CharField(allow_blank=True)
    visit_id = serializers.IntegerField(allow_null=True)
    entries = LedgerEntryOut(many=True)
    balance = BalanceOut()


class AppliedPromoOut(serializers.Serializer[None]):
    promo_id = serializers.IntegerField()
    name = serializers.CharField()
    points = serializers.IntegerField()


class RefusalOut(serializers.Serializer[None]):
    code = serializers.CharField(help_text="insufficient_points | max_share | min_points | promo_code")
    message = serializers.CharField()
    limit = serializers.JSONField(allow_null=True)


class QuoteOut(serializers.Serializer[None]):
    earn_points = serializers.IntegerField()
    base_points = serializers.IntegerField()
    max_spend_points = serializers.IntegerField()
    spend_points = serializers.IntegerField(help_text="Of points_to_spend, what may be spent")
    payable_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Left to pay in money: the total less the points spent"
    )
    applied_promos = AppliedPromoOut(many=True)
    refusals = RefusalOut(many=True)
    refused_reason = serializers.CharField(allow_blank=True)


def quote_data(quote: rules.Quote, code_refusal: str = "") -> dict[str, Any]:
    refusals: list[dict[str, Any]] = [
        {"code": item.code, "message": item.message, "limit": item.limit} for item in quote.refusals
    ]
    if code_refusal:
        refusals.append({"code": "promo_code", "message": code_refusal, "limit": None})
    return {
        "earn_points": quote.earn_points,
        "base_points": quote.base_points,
        "max_spend_points": quote.max_spend_points,
        "spend_points": quote.spend_points,
        "payable_amount": f"{quote.payable_amount:.2f}",
        "applied_promos": [
            {"promo_id": item.promo_id, "name": item.name, "points": item.points} for item in quote.applied_promos
        ],
        "refusals": refusals,
        "refused_reason": "; ".join(item["message"] for item in refusals),
    }


class LevelOut(serializers.ModelSerializer[Level]):
    class Meta:
        model = Level
        fields = [
            "id",
            "name",
            "threshold_amount",
            "earn_rate_percent",
            "redemption_cap_percent",
            "colour",
            "description",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PromoCodeOut(serializers.ModelSerializer[PromoCode]):
    uses = serializers.SerializerMethodField()

    def get_uses(self, code: PromoCode) -> int:
        """Counted by the list's query (loyalty.selectors.promo_codes), else here for a single code."""
        counted = getattr(code, "use_count", None)
        return int(counted) if counted is not None else code.uses.count()

    class Meta:
        model = PromoCode
        fields = ["id", "promo_id", "code", "max_uses", "max_uses_per_guest", "is_active", "uses", "created_at"]
        read_only_fields = fields


class PromoOut(serializers.ModelSerializer[Promo]):
    restaurant_ids: serializers.PrimaryKeyRelatedField[Restaurant] = serializers.PrimaryKeyRelatedField(
        source="restaurants", many=True, read_only=True
    )
    level_ids: serializers.PrimaryKeyRelatedField[Level] = serializers.PrimaryKeyRelatedField(
        source="levels", many=True, read_only=True
    )

    class Meta:
        model = Promo
        fields = [
            "id",
            "name",
            "description",
            "is_active",
            "starts_on",
            "ends_on",
            "weekdays",
            "starts_at_time",
            "ends_at_time",
            "restaurant_ids",
            "level_ids",
            "guest_tags",
            "categories",
            "multiplier",
            "bonus_points",
            "combination",
            "requires_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


PROGRAM_FIELDS = [
    "base_earn_rate_percent",
    "rounding",
    "earn_base",
    "excluded_categories",
    "welcome_bonus_points",
    "birthday_bonus_points",
    "birthday_window_days_before",
    "birthday_window_days_after",
    "referral_bonus_points",
    "referred_bonus_points",
    "referral_min_check_amount",
    "referral_max_per_guest",
    "activation_delay_hours",
    "expiry_days",
    "expiry_warning_days",
    "min_redeem_points",
    "max_redeem_share_percent",
    "point_value_amount",
    "level_threshold_mode",
    "level_rolling_days",
    "undo_window_minutes",
    "manager_adjustment_limit",
    "cashier_grant_limit",
]


class ProgramOut(serializers.ModelSerializer[ProgramSettings]):
    class Meta:
        model = ProgramSettings
        fields = [*PROGRAM_FIELDS, "updated_at"]
        read_only_fields = fields


# What the endpoints accept (shape and validation only; business rules are the services').

MAX_POINTS = 10_000_000


class GuestAccrueInput(serializers.Serializer[None]):
    points = serializers.IntegerField(min_value=1, max_value=MAX_POINTS)
    kind = serializers.ChoiceField(choices=sorted(EARNING_KINDS), default=EntryKind.ACCRUAL)
    restaurant_id = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    receipt_id = serializers.IntegerField(required=False, allow_null=True)


class GuestRedeemInput(serializers.Serializer[None]):
    points = serializers.IntegerField(min_value=1, max_value=MAX_POINTS)
    check_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    restaurant_id = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    receipt_id = serializers.IntegerField(required=False, allow_null=True)


class GuestAdjustInput(serializers.Serializer[None]):
    points = serializers.IntegerField(min_value=-MAX_POINTS, max_value=MAX_POINTS)
    reason = serializers.CharField(max_length=500)
    restaurant_id = serializers.IntegerField(required=False, allow_null=True)

    def validate_points(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError(_("A non-zero whole number."))
        return value


class CheckLineInput(serializers.Serializer[None]):
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=Decimal(0))
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))
    discount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, default=Decimal(0)
    )


class CheckInput(serializers.Serializer[None]):
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))
    lines = CheckLineInput(many=True, required=False, default=list)
    points_to_spend = serializers.IntegerField(min_value=0, max_value=MAX_POINTS, required=False, default=0)
    promo_code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Check time; empty: now")
    restaurant_id = serializers.IntegerField(required=False, allow_null=True)


class GuestCheckInput(CheckInput):
    receipt_id = serializers.IntegerField(required=False, allow_null=True)


class TransactionReverseInput(serializers.Serializer[None]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class QuoteInput(CheckInput):
    guest_id = serializers.IntegerField(required=False, allow_null=True)


class LevelInput(serializers.Serializer[None]):
    name = serializers.CharField(max_length=100)
    threshold_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    earn_rate_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )
    redemption_cap_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False, allow_null=True
    )
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class PromoInput(serializers.Serializer[None]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7), required=False)
    starts_at_time = serializers.TimeField(required=False, allow_null=True)
    ends_at_time = serializers.TimeField(required=False, allow_null=True)
    restaurant_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    level_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    guest_tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    categories = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    multiplier = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(1), required=False, allow_null=True
    )
    bonus_points = serializers.IntegerField(min_value=0, max_value=MAX_POINTS, required=False)
    combination = serializers.ChoiceField(choices=["best_of", "stackable"], required=False)
    requires_code = serializers.BooleanField(required=False)


class PromoCodeListInput(serializers.Serializer[None]):
    code = serializers.RegexField(r"^[A-Za-z0-9_-]{3,50}$")
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    max_uses_per_guest = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=1)


class ProgramInput(serializers.ModelSerializer[ProgramSettings]):
    """Validation only (the service writes): every field optional, unknown fields ignored."""

    class Meta:
        model = ProgramSettings
        fields = PROGRAM_FIELDS
        extra_kwargs = {field: {"required": False} for field in PROGRAM_FIELDS}


# Program drafts and their backtests (loyalty.api.backtest_views).


class DraftOut(serializers.ModelSerializer[ProgramDraft]):
    status = serializers.CharField(help_text="draft, scheduled (publish_at is to come) or published")
    draft = serializers.JSONField(
        source="data", help_text="The draft program: {program: {...}, levels: [...], promos: [...]}"
    )

    class Meta:
        model = ProgramDraft
        fields = ("id", "name", "status", "draft", "created_at", "updated_at", "publish_at", "published_at")


class BacktestOut(serializers.ModelSerializer[Backtest]):
    status = serializers.CharField(help_text="pending, running, done or failed")
    percent = serializers.IntegerField(read_only=True)
    result = serializers.JSONField(
        help_text="When done: checks, guests, current and draft figures, restaurants, levels, most_changed_guests"
    )

    class Meta:
        model = Backtest
        fields = (
            "id",
            "draft",
            "days",
            "period_start",
            "period_end",
            "status",
            "total",
            "processed",
            "percent",
            "result",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        )


class DraftInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    draft = serializers.JSONField(required=False, help_text="Leave out to start from the program in force")


class DraftUpdateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    draft = serializers.JSONField()


class PublishInput(serializers.Serializer[Any]):
    effective_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Leave out: at once")


class BacktestInput(serializers.Serializer[Any]):
    draft_id = serializers.IntegerField(required=False)
    draft = serializers.JSONField(required=False, help_text="A draft's program JSON (saved as a new draft)")
    days = serializers.ChoiceField(choices=BACKTEST_DAYS)
