"""Django admin for platform staff: plans are edited here; subscriptions listed with plan, state and MRR."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from billing.models import BillingEvent, Payment, Plan, SmsOverageCharge, Subscription
from billing.selectors import platform_figures


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = (
        "code",
        "name_en",
        "period",
        "price_rub",
        "price_usd",
        "max_restaurants",
        "max_staff",
        "max_guests",
        "max_messages_per_month",
        "api_access",
        "is_public",
        "rank",
    )
    list_editable = ("is_public", "rank")
    fieldsets = (
        (None, {"fields": ("code", "name_en", "name_ru", "period", "rank", "is_public", "trial_days")}),
        (_("Prices"), {"fields": ("price_rub", "price_usd", "stripe_price_id")}),
        (
            _("Limits (empty = unlimited)"),
            {"fields": ("max_restaurants", "max_staff", "max_guests", "max_messages_per_month")},
        ),
        (_("Features"), {"fields": ("api_access", "advanced_analytics", "campaigns", "custom_domain")}),
    )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ("chain", "plan", "state", "provider", "current_period_end", "grace_ends_at", "cancel_at_period_end")
    list_filter = ("state", "provider", "plan")
    search_fields = ("chain__name", "chain__slug", "stripe_customer_id", "stripe_subscription_id")
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "billing/admin_subscription_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("overview/", self.admin_site.admin_view(self.overview), name="billing_subscription_overview"),
            *super().get_urls(),
        ]

    def overview(self, request: HttpRequest) -> HttpResponse:
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Chains: plan, state, MRR and churn this month"),
            "figures": platform_figures(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin_overview.html", context)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin[Payment]):
    list_display = ("subscription", "provider", "purpose", "amount", "currency", "status", "created_at")
    list_filter = ("provider", "status", "purpose")
    readonly_fields = [field.name for field in Payment._meta.fields]


@admin.register(BillingEvent)
class BillingEventAdmin(admin.ModelAdmin[BillingEvent]):
    list_display = ("subscription", "kind", "from_state", "to_state", "created_at")
    list_filter = ("kind",)
    readonly_fields = [field.name for field in BillingEvent._meta.fields]


@admin.register(SmsOverageCharge)
class SmsOverageChargeAdmin(admin.ModelAdmin[SmsOverageCharge]):
    list_display = ("subscription", "month", "parts", "amount", "currency", "payment", "provider_item_id")
    list_filter = ("currency",)
    readonly_fields = [field.name for field in SmsOverageCharge._meta.fields]
