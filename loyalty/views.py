"""The loyalty program pages (MANAGE_PROGRAM): settings with an earn preview, levels, promos and promo codes.

Forms validate; loyalty.services saves and audits. Deleting needs a confirmation page (GET) and a POST.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import access_for, permission_required_page
from accounts.models import User
from accounts.requests import ChainRequest
from accounts.roles import Permission
from loyalty import rules
from loyalty.forms import LevelForm, PreviewForm, ProgramSettingsForm, PromoCodeForm, PromoForm
from loyalty.models import Level, Promo, PromoCode
from loyalty.selectors import chain_today, current_chain, program_settings
from loyalty.services import (
    create_level,
    create_promo,
    create_promo_code,
    deactivate_promo_code,
    delete_level,
    delete_promo,
    quote_for_guest,
    update_level,
    update_program_settings,
    update_promo,
)
from maxloyalty.errors import domain_errors_into

manage_program = permission_required_page(Permission.MANAGE_PROGRAM)


def _posted(request: HttpRequest) -> Any:
    """The submitted form data on a POST (an empty POST still binds the form, so it shows what is missing)."""
    return request.POST if request.method == "POST" else None


def _actor(request: HttpRequest) -> User:
    access = access_for(request)
    assert access is not None
    return access.user


@manage_program
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    form = ProgramSettingsForm(_posted(request), instance=program_settings())
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_program_settings(actor=_actor(request), changes=form.changes())
            messages.success(request, _("Program settings saved."))
            return redirect("loyalty:settings")
    return render(request, "loyalty/settings.html", {"form": form, "preview_form": PreviewForm()})


def _next_weekday(weekday: int) -> datetime.date:
    """The next day (today included, in the chain's zone) falling on an ISO weekday (1 = Monday)."""
    today = chain_today()
    return today + datetime.timedelta(days=(weekday - today.isoweekday()) % 7)


@manage_program
@require_GET
def preview(request: ChainRequest) -> HttpResponse:
    """What a check would earn under the current settings, levels and promos (nothing is written)."""
    form = PreviewForm(request.GET)
    context: dict[str, Any] = {"preview_form": form}
    if form.is_valid():
        data = form.cleaned_data
        level, restaurant = data["level"], data["restaurant"]
        check = rules.Check(
            total_amount=data["amount"],
            currency=current_chain().currency,
            at=datetime.datetime.combine(_next_weekday(data["weekday"]), data["time"]),  # chain time
            restaurant_id=restaurant.pk if restaurant else None,
            promo_code=data["promo_code"],
        )
        quote, _code, code_refusal = quote_for_guest(
            guest=None, check=check, available_points=0, level_id=level.pk if level else None
        )
        context.update(
            {
                "quote": quote,
                "promo_points": quote.earn_points - quote.base_points,
                "code_refusal": code_refusal,
                "check": check,
                "level": level,
            }
        )
    template = "loyalty/_preview.html" if request.htmx else "loyalty/preview.html"
    return render(request, template, context)


@manage_program
@require_GET
def level_list(request: HttpRequest) -> HttpResponse:
    levels = Level.objects.order_by("threshold_amount", "id")
    return render(request, "loyalty/levels.html", {"levels": levels})


@manage_program
@require_http_methods(["GET", "POST"])
def level_create(request: HttpRequest) -> HttpResponse:
    form = LevelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            level = create_level(actor=_actor(request), **form.changes())
            messages.success(request, _("Level “%(name)s” created.") % {"name": level.name})
            return redirect("loyalty:level-list")
    return render(request, "loyalty/level_form.html", {"form": form, "level": None})


@manage_program
@require_http_methods(["GET", "POST"])
def level_edit(request: HttpRequest, level_id: int) -> HttpResponse:
    level = get_object_or_404(Level, pk=level_id)
    # The form and the service each change their own copy of the row: the service still sees the old values (old →
    # new audit), and a refused change leaves the page's title on the saved name.
    form = LevelForm(_posted(request), instance=copy.copy(level))
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            saved = update_level(level=copy.copy(level), actor=_actor(request), changes=form.changes())
            messages.success(request, _("Level “%(name)s” saved.") % {"name": saved.name})
            return redirect("loyalty:level-list")
    return render(request, "loyalty/level_form.html", {"form": form, "level": level})


@manage_program
@require_http_methods(["GET", "POST"])
def level_delete(request: HttpRequest, level_id: int) -> HttpResponse:
    level = get_object_or_404(Level, pk=level_id)
    if request.method == "POST":
        delete_level(level=level, actor=_actor(request))
        messages.success(request, _("Level “%(name)s” deleted.") % {"name": level.name})
        return redirect("loyalty:level-list")
    guests_on_level = level.accounts.count()
    return render(
        request,
        "loyalty/confirm_delete.html",
        {
            "object": level,
            "kind": pgettext("object of the delete question", "level"),
            "consequence": ngettext(
                "%(n)d guest on this level loses it until the nightly re-evaluation or their next check places them "
                "again.",
                "%(n)d guests on this level lose it until the nightly re-evaluation or their next check places them "
                "again.",
                guests_on_level,
            )
            % {"n": guests_on_level},
            "cancel_url": "loyalty:level-list",
        },
    )


@manage_program
@require_GET
def promo_list(request: HttpRequest) -> HttpResponse:
    promos = Promo.objects.prefetch_related("codes").order_by("-is_active", "-created_at", "-id")
    return render(request, "loyalty/promos.html", {"promos": promos})


@manage_program
@require_http_methods(["GET", "POST"])
def promo_create(request: HttpRequest) -> HttpResponse:
    form = PromoForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            promo = create_promo(actor=_actor(request), **form.changes())
            messages.success(request, _("Promo “%(name)s” created.") % {"name": promo.name})
            return redirect("loyalty:promo-edit", promo_id=promo.pk)
    return render(request, "loyalty/promo_form.html", {"form": form, "promo": None})


def _promo_page(request: HttpRequest, promo: Promo, form: PromoForm, code_form: PromoCodeForm) -> HttpResponse:
    codes = PromoCode.objects.filter(promo=promo).order_by("-is_active", "code")
    return render(
        request, "loyalty/promo_form.html", {"form": form, "promo": promo, "code_form": code_form, "codes": codes}
    )


@manage_program
@require_http_methods(["GET", "POST"])
def promo_edit(request: HttpRequest, promo_id: int) -> HttpResponse:
    promo = get_object_or_404(Promo, pk=promo_id)
    # Copies for the form and the service, as in level_edit.
    form = PromoForm(_posted(request), instance=copy.copy(promo))
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_promo(promo=copy.copy(promo), actor=_actor(request), changes=form.changes())
            messages.success(request, _("Promo saved."))
            return redirect("loyalty:promo-edit", promo_id=promo_id)
    return _promo_page(request, promo, form, PromoCodeForm())


@manage_program
@require_http_methods(["GET", "POST"])
def promo_delete(request: HttpRequest, promo_id: int) -> HttpResponse:
    promo = get_object_or_404(Promo, pk=promo_id)
    if request.method == "POST":
        delete_promo(promo=promo, actor=_actor(request))
        messages.success(request, _("Promo “%(name)s” deleted.") % {"name": promo.name})
        return redirect("loyalty:promo-list")
    return render(
        request,
        "loyalty/confirm_delete.html",
        {
            "object": promo,
            "kind": pgettext("object of the delete question", "promo"),
            "consequence": _("A promo whose codes were already used is kept, switched off, so its history stays."),
            "cancel_url": "loyalty:promo-list",
        },
    )


@manage_program
@require_POST
def promo_code_create(request: HttpRequest, promo_id: int) -> HttpResponse:
    promo = get_object_or_404(Promo, pk=promo_id)
    code_form = PromoCodeForm(request.POST)
    if code_form.is_valid():
        with domain_errors_into(code_form):
            code = create_promo_code(promo=promo, actor=_actor(request), **code_form.cleaned_data)
            messages.success(request, _("Code %(code)s created.") % {"code": code.code})
            return redirect("loyalty:promo-edit", promo_id=promo.pk)
    return _promo_page(request, promo, PromoForm(instance=promo), code_form)


@manage_program
@require_POST
def promo_code_deactivate(request: HttpRequest, promo_id: int, code_id: int) -> HttpResponse:
    code = get_object_or_404(PromoCode, pk=code_id, promo_id=promo_id)
    deactivate_promo_code(code=code, actor=_actor(request))
    messages.success(request, _("Code %(code)s switched off.") % {"code": code.code})
    return redirect("loyalty:promo-edit", promo_id=promo_id)
