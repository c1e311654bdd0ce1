"""The chain's settings page: profile (name, time zone, language, currency), logo, the POS connections (their
secrets are rotated on each restaurant's page), the Telegram bot, the bot's automatic messages and the audit log;
the owner's sample-data switch of a new chain; and the logo's public address (/logo/<random>.<ext>, for the pages,
the Mini App and the bot)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import ChainRequest, StaffRequest
from accounts.roles import Permission
from guests.selectors import has_sample_guests
from maxloyalty.chain_files import file_response
from maxloyalty.errors import DomainError, domain_errors_into
from pos.selectors import visible_connections
from telegram_bot.services.notifications import message_samples
from tenants.forms import ChainCardColoursForm, ChainLogoForm, ChainProfileForm
from tenants.models import Chain
from tenants.sample_data import remove_sample_data, turn_sample_data_on
from tenants.selectors import card_preview
from tenants.services import (
    CARD_COLOUR_FIELDS,
    PROFILE_FIELDS,
    remove_chain_logo,
    set_card_colours,
    set_chain_logo,
    update_chain_profile,
)


def _settings_page(
    request: StaffRequest,
    access: ChainAccess,
    chain: Chain,
    form: ChainProfileForm,
    logo_form: ChainLogoForm,
    colours_form: ChainCardColoursForm | None = None,
) -> HttpResponse:
    colours_form = colours_form or _colours_form(chain)
    context = {
        "form": form,
        "logo_form": logo_form,
        "colours_form": colours_form,
        "card_preview": card_preview(chain),
        "logo_url": reverse("chain-logo", kwargs={"file_name": chain.logo_file_name}) if chain.logo else "",
        "connections": visible_connections(access).select_related("restaurant").order_by("restaurant__name", "id"),
        "message_samples": message_samples(),
    }
    status = 422 if form.errors or logo_form.errors or colours_form.errors else 200
    return render(request, "tenants/settings.html", context, status=status)


def _profile_form(chain: Chain, data: Any = None) -> ChainProfileForm:
    return ChainProfileForm(data, initial={field: getattr(chain, field) for field in PROFILE_FIELDS})


def _colours_form(chain: Chain, data: Any = None) -> ChainCardColoursForm:
    return ChainCardColoursForm(data, initial={field: getattr(chain, field) for field in CARD_COLOUR_FIELDS})


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def chain_settings(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    chain = Chain.objects.get(pk=request.tenant.id)
    form = _profile_form(chain, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_chain_profile(chain=chain, actor=access.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Settings saved."))
            return redirect("settings:profile")
    return _settings_page(request, access, chain, form, ChainLogoForm())


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_POST
def chain_logo_upload(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    chain = Chain.objects.get(pk=request.tenant.id)
    logo_form = ChainLogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        with domain_errors_into(logo_form):
            set_chain_logo(chain=chain, actor=access.user, upload=logo_form.cleaned_data["logo"])
        if not logo_form.errors:
            messages.success(request, _("Logo saved."))
            return redirect("settings:profile")
    return _settings_page(request, access, chain, _profile_form(chain), logo_form)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_POST
def chain_card_colours(request: StaffRequest) -> HttpResponse:
    """The wallet card's colours; unreadable pairs come back as the form's errors (422)."""
    access = access_for(request)
    assert access is not None
    chain = Chain.objects.get(pk=request.tenant.id)
    colours_form = _colours_form(chain, request.POST)
    if colours_form.is_valid():
        with domain_errors_into(colours_form):
            set_card_colours(chain=chain, actor=access.user, **colours_form.cleaned_data)
        if not colours_form.errors:
            messages.success(request, _("Card colours saved."))
            return redirect("settings:profile")
    return _settings_page(request, access, chain, _profile_form(chain), ChainLogoForm(), colours_form)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_POST
def chain_logo_remove(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    remove_chain_logo(chain=Chain.objects.get(pk=request.tenant.id), actor=access.user)
    messages.success(request, _("Logo removed."))
    return redirect("settings:profile")


@require_GET
def chain_logo_file(request: ChainRequest, file_name: str) -> HttpResponseBase:
    """The chain's current logo, to anyone: guests see it in the Mini App anyway. The address holds the file's
    random name, so an old logo is not found once replaced and this address may be cached for good."""
    chain = request.tenant  # the routing cache's copy: a logo change drops it (tenants.routing)
    if not chain.logo or chain.logo_file_name != file_name:
        raise Http404("no such logo")
    response = file_response(name=chain.logo, download_name=file_name, inline=True, redirect=False)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


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
