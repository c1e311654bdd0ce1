"""The signed-in user's sessions: see where they are signed in, end one, or end all the others."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import SessionNotFound
from accounts.requests import SignedInRequest
from accounts.user_sessions import end_other_sessions, end_session, sessions_of


@login_required
@require_GET
def session_list(request: SignedInRequest) -> HttpResponse:
    rows = sessions_of(user=request.user, current_key=request.session.session_key)
    return render(request, "accounts/sessions.html", {"sessions": rows, "has_others": len(rows) > 1})


@login_required
@require_POST
def session_end(request: SignedInRequest, handle: str) -> HttpResponse:
    try:
        end_session(user=request.user, handle=handle, current_key=request.session.session_key)
    except SessionNotFound:
        messages.error(request, _("That session has already ended."))
    else:
        messages.success(request, _("The session has been ended."))
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_end_others(request: SignedInRequest) -> HttpResponse:
    ended = end_other_sessions(user=request.user, current_key=request.session.session_key)
    messages.success(
        request,
        ngettext("%(count)s other session has been ended.", "%(count)s other sessions have been ended.", ended)
        % {"count": ended},
    )
    return redirect("accounts:sessions")
