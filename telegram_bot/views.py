"""Pages of the Telegram integration: the bot settings, campaign broadcasts, a staff member's alert chat, the webhook
and the Mini App page."""

from __future__ import annotations

import hmac

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from maxloyalty.errors import domain_errors_into
from maxloyalty.json_bodies import load_json
from telegram_bot.errors import BotNotConnected
from telegram_bot.forms import BotTokenForm, BroadcastForm
from telegram_bot.selectors import access_broadcast, broadcasts, current_bot, staff_link_of, webhook_secret
from telegram_bot.services import (
    cancel_broadcast,
    connect_bot,
    create_broadcast,
    disconnect_bot,
    issue_staff_link,
    take_in_update,
    unlink_staff_chat,
)
from telegram_bot.services.bots import webhook_url
from telegram_bot.tasks import process_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name, not a secret)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def bot_settings(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    form = BotTokenForm(request.POST if request.method == "POST" and "remove" not in request.POST else None)
    if request.method == "POST" and "remove" in request.POST:
        disconnect_bot(actor=access.user)
        messages.success(request, _("The bot was disconnected."))
        return redirect("telegram-settings:bot")
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            bot = connect_bot(token=form.cleaned_data["token"], actor=access.user)
        if not form.errors:
            messages.success(request, _("Bot @%(username)s is connected.") % {"username": bot.username})
            return redirect("telegram-settings:bot")
    context = {"form": form, "bot": current_bot(), "webhook_url": webhook_url()}
    return render(request, "telegram_bot/settings.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def staff_link(request: HttpRequest) -> HttpResponse:
    """The signed-in staff member's alerts in Telegram: "Connect Telegram" shows a one-time link to the chain's bot
    (shown once: only its hash is kept), "Disconnect" sends alerts back to email."""
    access = access_for(request)
    assert access is not None
    start_link = ""
    if request.method == "POST" and "disconnect" in request.POST:
        if unlink_staff_chat(access=access):
            messages.success(request, _("Telegram is disconnected: your alerts go by email."))
        return redirect("telegram-settings:staff-link")
    if request.method == "POST":
        try:
            start_link = issue_staff_link(access=access)
        except BotNotConnected as refusal:
            messages.error(request, str(refusal.message))
            return redirect("telegram-settings:staff-link")
    context = {
        "bot": current_bot(),
        "link": staff_link_of(access.user.pk),
        "start_link": start_link,
        "ttl_minutes": settings.TELEGRAM_STAFF_LINK_TTL_MINUTES,
    }
    return render(request, "telegram_bot/staff_link.html", context)


@permission_required_page(Permission.MANAGE_PROGRAM)
@require_http_methods(["GET", "POST"])
def broadcast_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    form = BroadcastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            broadcast = create_broadcast(actor=access.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("The broadcast is scheduled."))
            return redirect("telegram-settings:broadcast-detail", broadcast_id=broadcast.pk)
    context = {"form": form, "broadcasts": broadcasts()[:50], "bot": current_bot()}
    return render(request, "telegram_bot/broadcasts.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_PROGRAM)
@require_http_methods(["GET", "POST"])
def broadcast_detail(request: StaffRequest, broadcast_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    broadcast = access_broadcast(broadcast_id)
    if request.method == "POST":
        cancel_broadcast(broadcast=broadcast, actor=access.user)
        messages.success(request, _("The broadcast was cancelled."))
        return redirect("telegram-settings:broadcast-detail", broadcast_id=broadcast.pk)
    template = "telegram_bot/_broadcast_progress.html" if request.htmx else "telegram_bot/broadcast_detail.html"
    return render(request, template, {"broadcast": broadcast})


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Telegram's calls for this chain's bot: the secret header must match (constant time); answered at once,
    the update itself is processed by a Celery task; a repeated update id is acknowledged and ignored."""
    bot = current_bot()
    given = request.headers.get(SECRET_HEADER, "")
    if bot is None or not hmac.compare_digest(given.encode(), webhook_secret(bot).encode()):
        return HttpResponse(status=403)
    try:
        update = load_json(request.body)
    except ValueError:  # not JSON or nested too deeply (maxloyalty.json_bodies)
        return HttpResponse(status=400)
    if isinstance(update, dict) and take_in_update(update=update):
        transaction.on_commit(lambda: process_update.delay(update))
    return HttpResponse(status=200)


@xframe_options_exempt
@csp_replace({"frame-ancestors": settings.TELEGRAM_FRAME_ANCESTORS})
def mini_app(request: HttpRequest) -> HttpResponse:
    """The Mini App shell: the data comes from the Mini App API, authenticated by Telegram's initData. Telegram's
    web client shows it in a frame: its origins, and only they, may frame this page."""
    return render(request, "telegram_bot/mini_app.html", {"chain": request.tenant})  # type: ignore[attr-defined]  # csp_replace types the request plainly
