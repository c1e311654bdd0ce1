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
from messaging.forms import MessagingSettingsForm
from messaging.models import Channel
from messaging.selectors import messaging_settings
from messaging.services import (
    guest_of_unsubscribe_link,
    prefer_channel_by_link,
    unsubscribe_by_link,
    update_messaging_settings,
)


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
    return render(request, "messaging/settings.html", {"form": form}, status=422 if form.errors else 200)
