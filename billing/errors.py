"""Billing refusals: each carries its code, status and what the owner can do about it."""

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError


class PlanLimitReached(DomainError):
    code, status, message = "plan_limit", 402, _("Your plan's limit is reached.")


class ChainReadOnly(Conflict):
    code, message = (
        "subscription_suspended",
        _("The subscription is suspended: the chain is read-only until it is paid."),
    )


class BillingUnavailable(Conflict):
    code, message = "billing_unavailable", _("The payment provider is not configured or did not answer. Try again.")


class PlanNotAvailable(DomainError):
    code, status, message = "plan_not_available", 400, _("This plan cannot be chosen here.")


class PlanFeatureMissing(PlanLimitReached):
    status, message = 403, _("Your plan does not include this feature.")


class PaymentRequired(Conflict):
    code, message = "payment_required", _("Pay for a plan first: the plan you pay for becomes your plan.")
