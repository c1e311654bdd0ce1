"""The owner's Billing page: plan, usage with progress bars, invoices, history, checkout, plan change, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from billing import services
from billing.forms import ChoosePlanForm
from billing.limits import usage_for
from billing.models import Provider, State
from billing.selectors import (
    channel_usage,
    events_of,
    payments_of,
    public_plans,
    sms_allowance,
    sms_overage_charges_of,
)
from maxloyalty.errors import domain_errors_into


def _context(request: StaffRequest, form: ChoosePlanForm | None = None) -> dict[str, object]:
    chain = request.tenant
    subscription = services.ensure_subscription(chain=chain)
    access = access_for(request)
    return {
        "subscription": subscription,
        "usage": usage_for(chain),
        "channel_usage": channel_usage(),
        "sms": sms_allowance(chain),
        "sms_overage_charges": sms_overage_charges_of(subscription),
        "payments": payments_of(subscription),
        "events": events_of(subscription),
        "plans": public_plans(),
        "form": form or ChoosePlanForm(initial={"provider": _default_provider(chain)}),
        "can_manage": access is not None and access.can(Permission.MANAGE_BILLING),
        "needs_payment": subscription.state in (State.TRIALING, State.PAST_DUE, State.SUSPENDED, State.CANCELLED),
    }


def _default_provider(chain: object) -> str:
    return Provider.YOOKASSA if getattr(chain, "currency", "RUB") == "RUB" else Provider.STRIPE


@permission_required_page(Permission.VIEW_BILLING)
def billing_page(request: StaffRequest) -> HttpResponse:
    return render(request, "billing/overview.html", _context(request))


@require_POST
@permission_required_page(Permission.MANAGE_BILLING)
def checkout_start(request: StaffRequest) -> HttpResponse:
    """Start the first payment (or pay again after a failure) at the chosen provider's hosted page."""
    chain = request.tenant
    form = ChoosePlanForm(request.POST)
    if form.is_valid():
        provider = form.cleaned_data["provider"] or _default_provider(chain)
        with domain_errors_into(form):
            url = services.start_checkout(chain=chain, plan=form.cleaned_data["plan"], provider=provider)
            return redirect(url)
    return render(request, "billing/overview.html", _context(request, form), status=400)


@require_POST
@permission_required_page(Permission.MANAGE_BILLING)
def plan_change(request: StaffRequest) -> HttpResponse:
    chain = request.tenant
    form = ChoosePlanForm(request.POST)
    if form.is_valid():
        with domain_errors_into(form):
            subscription, over = services.change_plan(chain=chain, plan=form.cleaned_data["plan"], actor=request.user)
            if subscription.pending_plan is not None:
                messages.info(request, _("Your plan changes at the end of the paid period."))
            else:
                messages.success(request, _("Your plan was changed."))
            for line in over:
                messages.warning(request, _("Over the new plan's limit: %(what)s") % {"what": line})
            return redirect("billing:overview")
    return render(request, "billing/overview.html", _context(request, form), status=400)


@require_POST
@permission_required_page(Permission.MANAGE_BILLING)
def subscription_cancel(request: StaffRequest) -> HttpResponse:
    services.cancel_at_period_end(chain=request.tenant, actor=request.user)
    messages.info(request, _("The subscription ends at the end of the paid period."))
    return redirect("billing:overview")


@require_POST
@permission_required_page(Permission.MANAGE_BILLING)
def stripe_portal(request: StaffRequest) -> HttpResponse:
    chain = request.tenant
    return redirect(services.portal_url(chain=chain))
