"""The draft and backtest pages (MANAGE_PROGRAM: owners and admins): drafts started from the program in force, a
draft's editor with its backtests and the publish form, and a backtest's progress (htmx poll) and result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import access_for, permission_required_page
from accounts.models import User
from accounts.requests import ChainRequest
from accounts.roles import Permission
from loyalty.backtest_forms import BacktestForm, DraftEditor, PublishForm
from loyalty.models import DraftStatus, ProgramDraft
from loyalty.selectors import access_backtest, access_draft, draft_backtests, program_drafts
from loyalty.services import create_draft, publish_draft, start_backtest, update_draft
from maxloyalty.errors import DomainError, domain_errors_into

manage_program = permission_required_page(Permission.MANAGE_PROGRAM)


def _actor(request: HttpRequest) -> User:
    access = access_for(request)
    assert access is not None
    return access.user


@manage_program
@require_http_methods(["GET", "POST"])
def draft_list(request: ChainRequest) -> HttpResponse:
    """The drafts; a POST starts a new one from the program in force."""
    if request.method == "POST":
        draft = create_draft(actor=_actor(request), name=request.POST.get("name", ""))
        return redirect("loyalty:draft-edit", draft_id=draft.pk)
    return render(request, "loyalty/drafts.html", {"drafts": program_drafts()[:50]})


def _draft_page(request: HttpRequest, draft: ProgramDraft, **forms: Any) -> HttpResponse:
    editor = forms.get("editor") or DraftEditor(draft.data, name=draft.name)
    context = {
        "draft": draft,
        "form": editor.form,
        "level_rows": editor.levels,
        "promo_rows": editor.promos,
        "backtest_form": forms.get("backtest_form") or BacktestForm(),
        "publish_form": forms.get("publish_form") or PublishForm(),
        "backtests": draft_backtests(draft=draft)[:20],
        "is_published": draft.status == DraftStatus.PUBLISHED,
    }
    return render(request, "loyalty/draft.html", context)


@manage_program
@require_http_methods(["GET", "POST"])
def draft_edit(request: ChainRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(draft_id=draft_id)
    editor = DraftEditor(draft.data, name=draft.name, posted=request.POST if request.method == "POST" else None)
    if request.method == "POST" and editor.is_valid():
        try:
            update_draft(
                draft=draft, actor=_actor(request), data=editor.draft_data(), name=editor.form.cleaned_data["name"]
            )
        except DomainError as error:
            editor.add_draft_errors(error.fields, str(error.message))
        else:
            messages.success(request, _("Draft saved."))
            return redirect("loyalty:draft-edit", draft_id=draft.pk)
    return _draft_page(request, draft, editor=editor)


@manage_program
@require_POST
def backtest_start(request: ChainRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(draft_id=draft_id)
    form = BacktestForm(request.POST)
    if form.is_valid():
        with domain_errors_into(form):
            backtest = start_backtest(draft=draft, days=form.cleaned_data["days"], actor=_actor(request))
            return redirect("loyalty:backtest-detail", backtest_id=backtest.pk)
    return _draft_page(request, draft, backtest_form=form)


@manage_program
@require_POST
def draft_publish(request: ChainRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(draft_id=draft_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            draft = publish_draft(draft=draft, actor=_actor(request), effective_at=form.cleaned_data["effective_at"])
        except DomainError as error:
            form.add_error(None, str(error.message))
            for path, problems in error.fields.items():
                form.add_error(None, f"{path}: {'; '.join(map(str, problems))}")
        else:
            if draft.status == DraftStatus.SCHEDULED:
                messages.success(request, _("The draft will take effect at the chosen moment."))
            else:
                messages.success(request, _("The draft is now the program."))
            return redirect("loyalty:draft-edit", draft_id=draft.pk)
    return _draft_page(request, draft, publish_form=form)


@manage_program
@require_GET
def backtest_detail(request: ChainRequest, backtest_id: int) -> HttpResponse:
    backtest = access_backtest(backtest_id=backtest_id)
    template = "loyalty/_backtest_progress.html" if request.htmx else "loyalty/backtest.html"
    return render(request, template, {"backtest": backtest, "result": backtest.result})
