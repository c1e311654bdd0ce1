"""Points ledger, levels, program settings and promos of one chain (each chain has its own schema).

Invariants kept by loyalty.services (never write these tables elsewhere):
- a guest's PointsAccount.available == sum of points of their non-pending entries, .pending == sum of pending ones;
- available == sum of `remaining_points` of their non-pending positive entries (the FIFO lots that expiry reads);
- ledger amounts never change after insert; only the bookkeeping fields (is_pending, remaining_points) move.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.models import DEFAULT_CURRENCY

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Rounding(models.TextChoices):
    DOWN = "down", _("Down (drop fractions)")
    HALF_UP = "half_up", _("To nearest (half up)")
    UP = "up", _("Up")


class EarnBase(models.TextChoices):
    """Which amount of a check the earn rate applies to."""

    PAID_AMOUNT = "paid_amount", _("Check total after discounts, excluding the part paid with points")
    AFTER_DISCOUNTS = "after_discounts", _("Check total after discounts")
    BEFORE_DISCOUNTS = "before_discounts", _("Check total before discounts")


class LevelThresholdMode(models.TextChoices):
    LIFETIME = "lifetime", _("Lifetime spend")
    ROLLING = "rolling", _("Spend over the last N days")


class ProgramSettings(models.Model):
    """The chain's loyalty program: exactly one row per chain schema (id = 1)."""

    base_earn_rate_percent = models.DecimalField(
        _("base earn rate, %"), max_digits=5, decimal_places=2, default=Decimal(5), validators=PERCENT_VALIDATORS
    )
    rounding = models.CharField(_("rounding of earned points"), max_length=16, choices=Rounding.choices, default="down")
    earn_base = models.CharField(
        _("what counts toward the base"), max_length=20, choices=EarnBase.choices, default=EarnBase.PAID_AMOUNT
    )
    excluded_categories = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        verbose_name=_("product categories that earn nothing"),
    )
    welcome_bonus_points = models.PositiveIntegerField(_("welcome bonus"), default=0)
    birthday_bonus_points = models.PositiveIntegerField(_("birthday bonus"), default=0)
    birthday_window_days_before = models.PositiveSmallIntegerField(_("birthday window: days before"), default=0)
    birthday_window_days_after = models.PositiveSmallIntegerField(_("birthday window: days after"), default=0)
    referral_bonus_points = models.PositiveIntegerField(_("referral bonus for the referrer"), default=0)
    referred_bonus_points = models.PositiveIntegerField(_("referral bonus for the new guest"), default=0)
    activation_delay_hours = models.PositiveIntegerField(
        _("activation delay, hours"), default=0, help_text=_("0: earned points can be spent at once")
    )
    expiry_days = models.PositiveIntegerField(_("points expire after, days"), default=0, help_text=_("0: never"))
    expiry_warning_days = models.PositiveIntegerField(_("warn guests before expiry, days"), default=7)
    min_redeem_points = models.PositiveIntegerField(_("minimum points per redemption"), default=0)
    max_redeem_share_percent = models.DecimalField(
        _("maximum share of a check payable with points, %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=PERCENT_VALIDATORS,
    )
    point_value_amount = models.DecimalField(
        _("money value of one point"), max_digits=10, decimal_places=4, default=Decimal(1)
    )
    level_threshold_mode = models.CharField(
        _("level thresholds count"), max_length=16, choices=LevelThresholdMode.choices, default="lifetime"
    )
    level_rolling_days = models.PositiveIntegerField(_("rolling period, days"), default=365)
    undo_window_minutes = models.PositiveIntegerField(_("cashier may undo own operations within, minutes"), default=15)
    manager_adjustment_limit = models.PositiveIntegerField(
        _("manager's limit per manual grant or adjustment, points"),
        default=500,
        help_text=_("Bonuses and adjustments made by hand; above it only an owner or admin"),
    )
    cashier_grant_limit = models.PositiveIntegerField(
        _("cashier's limit per manual bonus, points"),
        default=0,
        help_text=_("0: cashiers earn points for guests only through checks"),
    )
    referral_min_check_amount = models.DecimalField(
        _("referral: minimum first purchase"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("The referral bonus is paid on the invited guest's first purchase of at least this amount"),
    )
    referral_max_per_guest = models.PositiveIntegerField(
        _("referral: most bonuses per referrer"),
        default=10,
        help_text=_("Invited guests beyond this number earn their referrer nothing (and get no referral bonus)"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty program settings")
        verbose_name_plural = _("loyalty program settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="loyalty_programsettings_single_row"),
            models.CheckConstraint(
                condition=Q(point_value_amount__gt=0), name="loyalty_programsettings_point_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(level_rolling_days__gt=0), name="loyalty_programsettings_rolling_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Loyalty program settings"))


class Level(models.Model):
    name = models.CharField(_("name"), max_length=100)
    threshold_amount = models.DecimalField(_("spend threshold"), max_digits=14, decimal_places=2, default=Decimal(0))
    earn_rate_percent = models.DecimalField(
        _("earn rate, %"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    redemption_cap_percent = models.DecimalField(
        _("maximum share of a check payable with points, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Empty: the program's limit"),
    )
    colour = models.CharField(_("colour"), max_length=7, default="#9e9e9e", help_text=_("#rrggbb"))
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordering"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["threshold_amount", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="loyalty_level_name_unique"),
            models.UniqueConstraint(fields=["threshold_amount"], name="loyalty_level_threshold_unique"),
            models.CheckConstraint(condition=Q(threshold_amount__gte=0), name="loyalty_level_threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class PointsAccount(models.Model):
    """A guest's balance: kept equal to the sum of their ledger entries, locked for every change."""

    guest = models.OneToOneField("guests.Guest", on_delete=models.PROTECT, related_name="points_account")
    available = models.IntegerField(_("available points"), default=0)
    pending = models.IntegerField(_("pending points"), default=0)
    lifetime_spend_amount = models.DecimalField(_("lifetime spend"), max_digits=14, decimal_places=2, default=0)
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    level_since = models.DateTimeField(_("level since"), null=True, blank=True)
    # Set while a fraud review holds the guest's points (fraud.services.freeze_guest_points): spending is refused
    # (loyalty.services.ledger.require_spendable), earning goes on. Empty: the points can be spent.
    frozen_at = models.DateTimeField(_("points frozen at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(available__gte=0), name="loyalty_pointsaccount_available_not_negative"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="loyalty_pointsaccount_pending_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id}: {self.available} (+{self.pending})"


class LevelChangeReason(models.TextChoices):
    CHECK = "check", _("A check crossed the threshold")
    NIGHTLY = "nightly", _("Nightly re-evaluation")
    REFUND = "refund", _("Refund")
    MERGE = "merge", _("Duplicate profiles merged")


class LevelChange(models.Model):
    guest = models.ForeignKey(
        "guests.Guest", on_delete=models.CASCADE, related_name="level_changes", db_index=False
    )  # (guest, changed_at) index covers it
    from_level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    spend_amount = models.DecimalField(_("spend counted"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=16, choices=LevelChangeReason.choices)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("level change")
        verbose_name_plural = _("level changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["guest", "-changed_at"], name="loyalty_levelchange_guest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id}: {self.from_level_id} → {self.to_level_id}"


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual")
    REDEMPTION = "redemption", _("Redemption")
    WELCOME = "welcome", _("Welcome bonus")
    BIRTHDAY = "birthday", _("Birthday bonus")
    REFERRAL = "referral", _("Referral bonus")
    PROMO_BONUS = "promo_bonus", _("Promo bonus")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    EXPIRY = "expiry", _("Expiry")
    REVERSAL = "reversal", _("Reversal")


EARNING_KINDS = frozenset(
    {EntryKind.ACCRUAL, EntryKind.WELCOME, EntryKind.BIRTHDAY, EntryKind.REFERRAL, EntryKind.PROMO_BONUS}
)


class LedgerEntry(models.Model):
    """One change of a guest's points. Append-only: amounts never change, a mistake is reversed by a new entry.

    Partitioned by month on created_at (maxloyalty.db.partitions); its uniqueness across months is LedgerKey's."""

    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    guest = models.ForeignKey(
        "guests.Guest", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )  # (guest, created_at) index covers it
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the system"),
        db_index=False,  # a partial index below: most entries are the system's
    )
    reason = models.TextField(_("reason"), blank=True)
    receipt_id = models.BigIntegerField(_("POS receipt"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    available_at = models.DateTimeField(_("spendable from"), default=timezone.now)
    is_pending = models.BooleanField(_("pending"), default=False)
    remaining_points = models.IntegerField(
        _("points left to spend or expire"), default=0, help_text=_("For earning entries (FIFO lots); 0 otherwise")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("reverses"),
        db_index=False,  # LedgerKey's unique partial index loyalty_ledgerkey_reversed_once serves the lookups
        db_constraint=False,  # a partitioned table cannot be pointed at by id alone
    )
    shortfall_points = models.PositiveIntegerField(
        _("shortfall"), default=0, help_text=_("Points a reversal could not take back because they were already spent")
    )

    # Set (never stored) on the entry a service returns when the idempotency key had been used before.
    is_replay = False

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0) | Q(shortfall_points__gt=0), name="loyalty_ledgerentry_points_not_zero"
            ),
            models.CheckConstraint(
                condition=Q(remaining_points__gte=0) & Q(remaining_points__lte=models.F("points"))
                | Q(remaining_points=0),
                name="loyalty_ledgerentry_remaining_within_points",
            ),
            models.CheckConstraint(
                condition=Q(shortfall_points=0) | Q(kind="reversal"), name="loyalty_ledgerentry_shortfall_on_reversal"
            ),
        ]
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="loyalty_entry_guest_time_idx"),
            models.Index(fields=["kind"], name="loyalty_entry_kind_idx"),
            models.Index(fields=["created_at"], name="loyalty_entry_created_idx"),
            # Ledger-sized table: index only the rows that have a value (most entries have no actor or receipt).
            models.Index(
                fields=["receipt_id"], condition=Q(receipt_id__isnull=False), name="loyalty_entry_receipt_idx"
            ),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="loyalty_entry_actor_idx"),
            # FIFO lots of a guest, and the daily expiry / activation sweeps: partial, so they stay small.
            models.Index(
                fields=["guest", "expires_at", "available_at"],
                condition=Q(remaining_points__gt=0),
                name="loyalty_entry_open_lots_idx",
            ),
            models.Index(fields=["expires_at"], condition=Q(remaining_points__gt=0), name="loyalty_entry_expiring_idx"),
            models.Index(fields=["available_at"], condition=Q(is_pending=True), name="loyalty_entry_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d} → {self.guest_id}"

    @property
    def has_shortfall(self) -> bool:
        return self.shortfall_points > 0


class LedgerKey(models.Model):
    """What must be unique across the whole ledger, which is partitioned by month (PostgreSQL enforces a unique
    index of a partitioned table only together with the month): one row per entry, written by a trigger on every
    insert into the ledger, in the entry's own transaction (loyalty/migrations/0006), so no write path can skip
    it. An idempotency key is used once; an entry is reversed once. Also the way from a key to its entry (and the
    entry's month, so the lookup touches one partition)."""

    entry_id = models.BigIntegerField(_("ledger entry"), primary_key=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_at = models.DateTimeField(_("time"))
    reverses_id = models.BigIntegerField(_("reverses"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger key")
        verbose_name_plural = _("ledger keys")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="loyalty_ledgerkey_idempotency_key_unique"),
            models.UniqueConstraint(
                fields=["reverses_id"], condition=Q(reverses_id__isnull=False), name="loyalty_ledgerkey_reversed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.entry_id}"


class AppliedCheck(models.Model):
    """A check applied to a guest's account (earn + spend + visit), kept so a retry or a refund finds it."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    guest = models.ForeignKey(
        "guests.Guest", on_delete=models.PROTECT, related_name="applied_checks", db_index=False
    )  # (guest, checked_at) index covers it
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", null=True, blank=True, on_delete=models.PROTECT, related_name="applied_checks"
    )
    visit = models.ForeignKey(
        "guests.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # visits are partitioned by month: no foreign key can point at them by id alone
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the system"),
        db_index=False,  # a partial index below: most checks come from the POS
    )
    receipt_id = models.BigIntegerField(_("POS receipt"), null=True, blank=True)
    total_amount = models.DecimalField(_("check total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    checked_at = models.DateTimeField(_("check time"))
    points_earned = models.IntegerField(_("points earned"), default=0)
    points_spent = models.IntegerField(_("points spent"), default=0)
    refused_reason = models.TextField(_("why less was spent than requested"), blank=True)
    entry_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # The check's lines as the rules read them, [sku, category, quantity, price, discount] each
    # (loyalty.rules.CheckLine.as_row): a backtest replays them through the same rules.
    lines = models.JSONField(_("check lines"), default=list, blank=True)
    reversed_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("applied check")
        verbose_name_plural = _("applied checks")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="loyalty_appliedcheck_idempotency_key_unique")
        ]
        indexes = [
            models.Index(fields=["guest", "-checked_at"], name="loyalty_check_guest_time_idx"),
            models.Index(fields=["receipt_id"], name="loyalty_check_receipt_idx"),
            # A backtest reads a period's checks in time order (loyalty.services.backtests).
            models.Index(fields=["checked_at"], name="loyalty_check_time_idx"),
            # Staff-made checks only (the till's shift list: a cashier's own, a manager's whole restaurant).
            models.Index(
                fields=["actor", "-created_at"], condition=Q(actor__isnull=False), name="loyalty_check_actor_idx"
            ),
            models.Index(
                fields=["restaurant", "-created_at"],
                condition=Q(actor__isnull=False),
                name="loyalty_check_staff_time_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id}: {self.total_amount} {self.currency} @ {self.checked_at:%Y-%m-%d}"


class Referral(models.Model):
    """A guest invited by another (a Telegram referral link). The program pays the referral bonuses on the invited
    guest's first qualifying purchase, not at sign-up (loyalty.services.referrals); a refund of that purchase takes
    them back and the referral waits for the next one."""

    guest = models.OneToOneField(
        "guests.Guest", on_delete=models.CASCADE, related_name="referral", verbose_name=_("invited guest")
    )
    referrer = models.ForeignKey(
        "guests.Guest", on_delete=models.CASCADE, related_name="referrals_made", verbose_name=_("referrer")
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    paid_at = models.DateTimeField(_("bonus paid at"), null=True, blank=True)
    applied_check = models.ForeignKey(
        AppliedCheck,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("qualifying purchase"),
    )
    entry_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    payments = models.PositiveSmallIntegerField(
        _("times paid"),
        default=0,
        help_text=_("A refunded first purchase reopens the referral: each payment has its key"),
    )
    is_over_cap = models.BooleanField(
        _("closed unpaid"), default=False, help_text=_("The referrer's cap was reached, or the referrer is not active")
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~Q(guest=models.F("referrer")), name="loyalty_referral_not_self"),
        ]
        indexes = [
            models.Index(fields=["referrer"], condition=Q(paid_at__isnull=False), name="loyalty_referral_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.guest_id}"


class PromoCombination(models.TextChoices):
    BEST_OF = "best_of", _("Best of: only the promo giving the most points applies")
    STACKABLE = "stackable", _("Stackable: adds on top of other promos")


class Promo(models.Model):
    """A time-bounded rule adding points: a multiplier of the base earn or a fixed bonus. Empty filters match all."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(pgettext_lazy("promo", "active"), default=True)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)]),
        default=list,
        blank=True,
        verbose_name=_("weekdays (1 = Monday)"),
    )
    starts_at_time = models.TimeField(_("from (local time)"), null=True, blank=True)
    ends_at_time = models.TimeField(_("until (local time)"), null=True, blank=True)
    restaurants = models.ManyToManyField("restaurants.Restaurant", blank=True, related_name="promos")
    levels = models.ManyToManyField(Level, blank=True, related_name="promos")
    guest_tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, verbose_name=_("guest tags"))
    categories = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("product categories")
    )
    multiplier = models.DecimalField(
        _("points multiplier"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("e.g. 2 = double")
    )
    bonus_points = models.PositiveIntegerField(_("fixed bonus points"), default=0)
    combination = models.CharField(
        _("combination with other promos"), max_length=16, choices=PromoCombination.choices, default="best_of"
    )
    requires_code = models.BooleanField(_("applies only with a promo code"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("promo")
        verbose_name_plural = _("promos")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gt=1) | Q(bonus_points__gt=0), name="loyalty_promo_gives_points"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="loyalty_promo_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "ends_on"], name="loyalty_promo_active_idx")]

    def __str__(self) -> str:
        return self.name


class PromoCode(models.Model):
    promo = models.ForeignKey(Promo, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=50)
    max_uses = models.PositiveIntegerField(_("uses in total"), null=True, blank=True, help_text=_("Empty: unlimited"))
    max_uses_per_guest = models.PositiveIntegerField(
        _("uses per guest"), null=True, blank=True, default=1, help_text=_("Empty: unlimited")
    )
    is_active = models.BooleanField(pgettext_lazy("promo code", "active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(Upper("code"), name="loyalty_promocode_code_unique")]

    def __str__(self) -> str:
        return self.code


class PromoCodeUse(models.Model):
    code = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="uses", db_index=False)  # (code, guest)
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="promo_code_uses")
    applied_check = models.ForeignKey(AppliedCheck, on_delete=models.CASCADE, related_name="promo_code_uses")
    used_at = models.DateTimeField(_("used at"), default=timezone.now)

    class Meta:
        verbose_name = _("promo code use")
        verbose_name_plural = _("promo code uses")
        indexes = [
            models.Index(fields=["code", "guest"], name="loyalty_codeuse_code_guest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} by {self.guest_id}"


class NotificationKind(models.TextChoices):
    POINTS_EXPIRING = "points_expiring", _("Points are about to expire")
    LEVEL_CHANGED = "level_changed", _("Level changed")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class NotificationOutbox(models.Model):
    """Messages to guests waiting for delivery (the Telegram integration sends them)."""

    guest = models.ForeignKey(
        "guests.Guest", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )  # (guest, created_at) index covers it
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="loyalty_notificationoutbox_dedupe_unique")]
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="loyalty_outbox_guest_idx"),
            models.Index(fields=["status", "created_at"], name="loyalty_outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.guest_id} ({self.status})"


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled to publish")
    PUBLISHED = "published", _("Published")


class ProgramDraft(models.Model):
    """A program change being prepared: settings, levels and promos as JSON in the snapshots' shape
    (loyalty.program_draft), backtested against past checks, then published through the program services."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    data = models.JSONField(_("draft program"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    publish_at = models.DateTimeField(_("takes effect at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("program draft")
        verbose_name_plural = _("program drafts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["publish_at"], condition=Q(status="scheduled"), name="loyalty_programdraft_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class BacktestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Backtest(models.Model):
    """One replay of a period's checks under the current program and a draft (loyalty.services.backtests),
    run by a Celery task; staff poll its progress, then read the result side by side."""

    draft = models.ForeignKey(ProgramDraft, on_delete=models.CASCADE, related_name="backtests")
    days = models.PositiveSmallIntegerField(_("days"))
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=16, choices=BacktestStatus.choices, default=BacktestStatus.PENDING
    )
    total = models.PositiveIntegerField(_("checks to replay"), default=0)
    processed = models.PositiveIntegerField(_("checks replayed"), default=0)
    draft_data = models.JSONField(_("draft as backtested"), default=dict)
    result = models.JSONField(_("result"), default=dict, blank=True)
    failure = models.TextField(_("why the backtest failed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("backtest")
        verbose_name_plural = _("backtests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.draft_id}: {self.days} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BacktestStatus.DONE, BacktestStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == BacktestStatus.DONE:
            return 100
        return int(self.processed * 100 / self.total) if self.total else 0
