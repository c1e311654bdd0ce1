"""The chain's settings page: profile (name, time zone, language, currency), the POS connections (their secrets
are rotated on each restaurant's page), the Telegram bot, the bot's automatic messages and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from maxloyalty.errors import domain_errors_into
from pos.selectors import visible_connections
from telegram_bot.services.notifications import message_samples
from tenants.forms import ChainProfileForm
from tenants.models import Chain
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
