"""Plans, each chain's subscription, its payments and its billing history: platform rows in the public schema."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class SmsOverage(models.TextChoices):
    """What happens past the plan's monthly SMS allowance."""

    BLOCK = "block", _("No more SMS until the next month")
    BILL = "bill", _("Bill each extra part at the plan's price")


class Plan(models.Model):
    """What a chain may do and what it costs. A limit left empty means unlimited."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.MONTH)
    price_rub = models.DecimalField(
        _("price in RUB (YooKassa)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_usd = models.DecimalField(_("price in USD (Stripe)"), max_digits=12, decimal_places=2, null=True, blank=True)
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=100, blank=True)
    trial_days = models.PositiveIntegerField(_("trial days"), default=0)
    max_restaurants = models.PositiveIntegerField(_("restaurants"), null=True, blank=True)
    max_staff = models.PositiveIntegerField(_("staff users"), null=True, blank=True)
    max_guests = models.PositiveIntegerField(_("guests"), null=True, blank=True)
    max_messages_per_month = models.PositiveIntegerField(_("messages per month"), null=True, blank=True)
    # SMS parts sent per calendar month (billing.selectors.sms_allowance); empty: unlimited.
    sms_parts_per_month = models.PositiveIntegerField(_("SMS parts per month"), null=True, blank=True)
    sms_overage = models.CharField(
        _("past the SMS allowance"), max_length=8, choices=SmsOverage.choices, default=SmsOverage.BLOCK
    )
    sms_part_price_rub = models.DecimalField(
        _("price of an extra SMS part in RUB"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    sms_part_price_usd = models.DecimalField(
        _("price of an extra SMS part in USD"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    api_access = models.BooleanField(_("API access"), default=False)
    advanced_analytics = models.BooleanField(_("advanced analytics"), default=False)
    campaigns = models.BooleanField(_("campaigns"), default=False)
    custom_domain = models.BooleanField(_("custom domain"), default=False)
    is_public = models.BooleanField(_("offered to chains"), default=True)
    rank = models.PositiveIntegerField(_("rank"), default=0, help_text=_("Higher rank = bigger plan (upgrade)."))

    class Meta:
        ordering = ["rank"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ru if (get_language() or "").startswith("ru") else self.name_en

    def price_in(self, currency: str) -> Decimal | None:
        return self.price_rub if currency == "RUB" else self.price_usd

    def sms_part_price_in(self, currency: str) -> Decimal | None:
        return self.sms_part_price_rub if currency == "RUB" else self.sms_part_price_usd


class Provider(models.TextChoices):
    NONE = "", _("None")
    STRIPE = "stripe", _("Stripe")
    YOOKASSA = "yookassa", _("YooKassa")


class State(models.TextChoices):
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", pgettext_lazy("subscription state", "Active")
    PAST_DUE = "past_due", _("Payment overdue")
    SUSPENDED = "suspended", pgettext_lazy("subscription state", "Suspended")
    CANCELLED = "cancelled", pgettext_lazy("subscription state", "Cancelled")


READ_ONLY_STATES = frozenset({State.SUSPENDED, State.CANCELLED})


class Subscription(models.Model):
    chain = models.OneToOneField("tenants.Chain", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    pending_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text=_("Applied at period end")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.TRIALING)
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices, blank=True, default="")
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True)
    grace_ends_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    yookassa_payment_method_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [models.Index(fields=["state"], name="billing_subscription_state_idx")]

    def __str__(self) -> str:
        return f"{self.chain_id}: {self.plan.code} ({self.state})"

    @property
    def is_read_only(self) -> bool:
        return self.state in READ_ONLY_STATES


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment status", "Pending")
    SUCCEEDED = "succeeded", pgettext_lazy("payment status", "Paid")
    FAILED = "failed", pgettext_lazy("payment status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")


class PaymentPurpose(models.TextChoices):
    FIRST = "first", _("First payment")
    RENEWAL = "renewal", _("Renewal")
    UPGRADE = "upgrade", _("Upgrade")
    INVOICE = "invoice", _("Invoice")


class Payment(models.Model):
    """An invoice or payment at a provider. YooKassa charges carry our own idempotence key, stored before the call."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    provider_payment_id = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(max_length=16, choices=PaymentPurpose.choices, default=PaymentPurpose.RENEWAL)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    idempotence_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    period_key = models.CharField(max_length=64, blank=True, help_text=_("What this charge pays for (one per period)"))
    receipt_url = models.URLField(max_length=500, blank=True)
    confirmation_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="billing_payment_one_row_per_provider_payment",
            ),
            models.UniqueConstraint(
                fields=["subscription", "period_key"],
                condition=~models.Q(period_key=""),
                name="billing_payment_one_charge_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"


class BillingEvent(models.Model):
    """The history an owner sees: state changes, payments, plan changes."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.description}"


class ProcessedWebhook(models.Model):
    """Each provider event id is acted on once: a replay finds its row and changes nothing."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=60, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="billing_processedwebhook_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class MessageUsage(models.Model):
    """Messages (Telegram/email/SMS broadcasts) a chain sent in a calendar month (UTC)."""

    chain = models.ForeignKey("tenants.Chain", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    messages = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "month"], name="billing_messageusage_one_per_month")]

    def __str__(self) -> str:
        return f"{self.chain_id} {self.month}: {self.messages}"


class SmsOverageCharge(models.Model):
    """One month's SMS parts past the allowance on a plan that bills them, priced when the month closed, and the
    invoice it went on: the next YooKassa renewal charge (`payment`) or an item Stripe adds to the subscription's
    next invoice (`provider_item_id`). Neither set yet: still to be billed."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sms_overage_charges")
    month = models.DateField(_("month"))  # its first day (UTC), as billing.selectors.usage_period_start
    parts = models.PositiveIntegerField(_("SMS parts past the allowance"))
    part_price = models.DecimalField(_("price of a part"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_overage_charges"
    )
    provider_item_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("SMS overage charge")
        verbose_name_plural = _("SMS overage charges")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "month"], name="billing_smsoveragecharge_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.month}: {self.parts} parts, {self.amount} {self.currency}"

    @property
    def is_billed(self) -> bool:
        return self.payment_id is not None or bool(self.provider_item_id)
