"""The chain's settings page: profile (name, time zone, language, currency), the POS connections (their secrets
are rotated on each restaurant's page), the Telegram bot, the bot's automatic messages and the audit log; and the
owner's sample-data switch of a new chain."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from guests.selectors import has_sample_guests
from maxloyalty.errors import DomainError, domain_errors_into
from pos.selectors import visible_connections
from telegram_bot.services.notifications import message_samples
from tenants.forms import ChainProfileForm
from tenants.models import Chain
from tenants.sample_data import remove_sample_data, turn_sample_data_on
from tenants.services import PROFILE_FIELDS, update_chain_profile


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def chain_settings(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    chain = Chain.objects.get(pk=request.tenant.id)
    form = ChainProfileForm(request.POST or None, initial={field: getattr(chain, field) for field in PROFILE_FIELDS})
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_chain_profile(chain=chain, actor=access.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Settings saved."))
            return redirect("settings:profile")
    context = {
        "form": form,
        "connections": visible_connections(access).select_related("restaurant").order_by("restaurant__name", "id"),
        "message_samples": message_samples(),
    }
    return render(request, "tenants/settings.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_SAMPLE_DATA)
@require_GET
def sample_data(request: StaffRequest) -> HttpResponse:
    """The owner's sample-data switch (tenants/sample_data.py): what it does, and the button that does it."""
    return render(request, "tenants/sample_data.html", {"is_on": has_sample_guests()})


@permission_required_page(Permission.MANAGE_SAMPLE_DATA)
@require_POST
def sample_data_on(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    try:
        counts = turn_sample_data_on(actor=access.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("settings:sample-data")
    messages.success(
        request,
        _("Sample data is on: %(guests)s sample guests with %(checks)s checks. Explore the dashboard and analytics.")
        % {"guests": counts.guests, "checks": counts.checks},
    )
    return redirect("analytics:dashboard")


@permission_required_page(Permission.MANAGE_SAMPLE_DATA)
@require_POST
def sample_data_off(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    counts = remove_sample_data(actor=access.user)
    messages.success(
        request,
        _("Sample data removed: %(guests)s guests, %(checks)s checks and %(entries)s ledger entries.")
        % {"guests": counts.guests, "checks": counts.checks, "entries": counts.ledger_entries},
    )
    return redirect("settings:sample-data")
