"""Pages of messaging: a guest's unsubscribe link (no sign-in; also where the guest picks their channel), the
chain's messaging settings and its message templates with a live preview (owner, admin)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.access import access_for, permission_required_page
from accounts.roles import Permission
from maxloyalty.errors import domain_errors_into
from messaging.errors import UnknownChannel, UnknownTemplate, UnsubscribeLinkInvalid
from messaging.forms import MessageTemplateForm, MessagingSettingsForm, SmsCostForm, SmsProviderForm
from messaging.message_templates import TEMPLATE_FIELDS, render_field
from messaging.models import Channel, MessageTemplate, MessagingSettings, TemplateKind, TemplateLanguage
from messaging.selectors import chain_name, message_template, messaging_settings, sms_credentials
from messaging.services import (
    guest_of_unsubscribe_link,
    prefer_channel_by_link,
    reset_message_template,
    save_message_template,
    set_sms_provider,
    unsubscribe_by_link,
    update_messaging_settings,
)
from messaging.sms.parts import count_parts
from messaging.templating import sample_context, variables_of


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
@require_http_methods(["GET"])
def templates_page(request: HttpRequest) -> HttpResponse:
    custom = set(MessageTemplate.objects.values_list("kind", "language"))
    rows = [
        {
            "kind": kind,
            "label": label,
            "languages": [(code, name, (kind, code) in custom) for code, name in TemplateLanguage.choices],
        }
        for kind, label in TemplateKind.choices
    ]
    return render(request, "messaging/templates.html", {"rows": rows, "languages": TemplateLanguage.choices})


def _sample_values(kind: str) -> dict[str, object]:
    return sample_context(kind, chain_name=chain_name())


def _preview(kind: str, texts: dict[str, str]) -> dict[str, object]:
    values = _sample_values(kind)
    rendered = {field: render_field(field, texts.get(field, ""), values) for field in TEMPLATE_FIELDS}
    return {"preview": rendered, "sms_parts": count_parts(rendered["sms_text"])}


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    try:
        current = message_template(kind=kind, language=language)
    except UnknownTemplate as error:
        raise Http404(str(error.message)) from error
    form = MessageTemplateForm(request.POST or None, initial=current.texts)
    if request.method == "POST" and "reset" in request.POST:
        reset_message_template(actor=access.user, kind=kind, language=language)
        messages.success(request, _("The template is back to the default."))
        return redirect("messaging:template-edit", kind=kind, language=language)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            save_message_template(actor=access.user, kind=kind, language=language, texts=form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Message template saved."))
            return redirect("messaging:template-edit", kind=kind, language=language)
    texts = {field: str(form[field].value() or "") for field in TEMPLATE_FIELDS}
    context = {
        "form": form,
        "kind": kind,
        "kind_label": TemplateKind(kind).label,
        "language": language,
        "languages": TemplateLanguage.choices,
        "is_custom": current.is_custom,
        "variables": sorted(variables_of(kind).items()),
        **_preview(kind, texts),
    }
    return render(request, "messaging/template_edit.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["POST"])
def template_preview(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    """The htmx partial: the posted texts rendered with a sample guest's values, and the SMS's parts."""
    if kind not in TemplateKind.values or language not in TemplateLanguage.values:
        raise Http404
    texts = {field: request.POST.get(field, "") for field in TEMPLATE_FIELDS}
    with translation.override(language):
        return render(request, "messaging/_template_preview.html", _preview(kind, texts))


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
