"""Pages of messaging: a guest's unsubscribe link (no sign-in; also where the guest picks their channel) and the
chain's messaging settings (owner, admin)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.access import access_for, permission_required_page
from accounts.roles import Permission
from maxloyalty.errors import domain_errors_into
from messaging.errors import UnknownChannel, UnsubscribeLinkInvalid
from messaging.forms import MessagingSettingsForm, SmsCostForm, SmsProviderForm
from messaging.models import Channel, MessagingSettings
from messaging.selectors import messaging_settings, sms_credentials
from messaging.services import (
    guest_of_unsubscribe_link,
    prefer_channel_by_link,
    set_sms_provider,
    unsubscribe_by_link,
    update_messaging_settings,
)
from messaging.sms.parts import count_parts


# Mail clients post the one-click unsubscribe (RFC 8058) without a session or a CSRF token: the signed link is the
# proof, and withdrawing consent is the only thing it can do.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        guest = guest_of_unsubscribe_link(token)
    except UnsubscribeLinkInvalid as error:
        return render(request, "messaging/unsubscribe_invalid.html", {"error": error}, status=error.status)
    context: dict[str, object] = {"token": token, "done": False, "preferred": "", "channels": Channel.choices}
    with translation.override(guest.language or translation.get_language()):
        if request.method == "POST" and "channel" in request.POST:  # the guest's choice of channel, not a "stop"
            try:
                context["preferred"] = prefer_channel_by_link(token=token, channel=request.POST["channel"]).channel
            except UnknownChannel as error:
                context["error"] = error.message
                return render(request, "messaging/unsubscribe.html", context, status=error.status)
        elif request.method == "POST":
            unsubscribe_by_link(token=token)
            context["done"] = True
        return render(request, "messaging/unsubscribe.html", context)


def _sms_form(row: MessagingSettings, data: object = None) -> SmsProviderForm:
    account_sid = str(sms_credentials(row).get("account_sid", "")) if row.sms_provider == "twilio" else ""
    return SmsProviderForm(data, instance_values=row, account_sid=account_sid)


def _settings_response(
    request: HttpRequest, form: MessagingSettingsForm, sms_form: SmsProviderForm, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "sms_form": sms_form, "cost_form": SmsCostForm()}
    return render(request, "messaging/settings.html", context, status=status)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    row = messaging_settings()
    form = MessagingSettingsForm(request.POST or None, instance_values=row)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_messaging_settings(actor=access.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Messaging settings saved."))
            return redirect("messaging:settings")
    return _settings_response(request, form, _sms_form(row), status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["POST"])
def sms_settings(request: HttpRequest) -> HttpResponse:
    """The SMS provider part of the settings page (its own form, so secrets are never re-posted with the rest)."""
    access = access_for(request)
    assert access is not None
    row = messaging_settings()
    sms_form = _sms_form(row, request.POST)
    if sms_form.is_valid():
        with domain_errors_into(sms_form):
            set_sms_provider(
                actor=access.user,
                provider=sms_form.cleaned_data["sms_provider"],
                credentials=sms_form.credentials(),
                sender_name=sms_form.cleaned_data["sender"].strip(),
            )
        if not sms_form.errors:
            messages.success(request, _("SMS settings saved."))
            return redirect("messaging:settings")
    form = MessagingSettingsForm(instance_values=row)
    return _settings_response(request, form, sms_form, status=422)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET"])
def sms_cost(request: HttpRequest) -> HttpResponse:
    """The "cost of a text" helper (an htmx partial): encoding, characters as the network counts them, parts."""
    form = SmsCostForm(request.GET)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return render(request, "messaging/_sms_cost.html", {"cost": count_parts(text), "valid": form.is_valid()})
