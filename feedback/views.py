"""Pages of feedback: the guest's rating page behind the signed link (no sign-in, the guest's language, mobile
first) and the chain's feedback settings (owner, admin), with the requests of the last 30 days whose message was not
delivered and why."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access_for, permission_required_page
from accounts.roles import Permission
from feedback.errors import RatingLinkExpired, RatingLinkInvalid
from feedback.forms import FeedbackSettingsForm, RatingForm
from feedback.rules import SCORES
from feedback.selectors import feedback_settings, rating_of_visit, undelivered_requests
from feedback.services import rate_visit_by_link, request_of_link, update_feedback_settings
from maxloyalty.errors import domain_errors_into
from maxloyalty.whole_numbers import whole_number

UNDELIVERED_PERIOD = datetime.timedelta(days=30)  # the settings page lists the requests not delivered in it


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The five choices and a comment box; a second answer changes the first. A forged, foreign or expired link
    gets a page saying so (404 or 410), never an error."""
    try:
        feedback_request = request_of_link(token)
    except (RatingLinkInvalid, RatingLinkExpired) as error:
        return render(request, "feedback/rate_invalid.html", {"error": error}, status=error.status)
    with translation.override(feedback_request.guest.language or translation.get_language()):
        current = rating_of_visit(feedback_request.applied_check_id)
        asked = request.GET.get("score", "")
        initial: dict[str, object] = {
            "score": whole_number(asked, default=None, maximum=max(SCORES)) or (current.score if current else None),
            "comment": current.comment if current else "",
        }
        form = RatingForm(request.POST or None, initial=initial)
        done = False
        if request.method == "POST" and form.is_valid():
            with domain_errors_into(form):
                rate_visit_by_link(token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
                done = True
        context = {
            "form": form,
            "token": token,
            "done": done,
            "scores": SCORES,
            "restaurant": feedback_request.restaurant,
            "first_name": feedback_request.guest.first_name,
        }
        return render(request, "feedback/rate.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    row = feedback_settings()
    form = FeedbackSettingsForm(request.POST or None, instance_values=row)
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            update_feedback_settings(actor=access.user, **form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Feedback settings saved."))
            return redirect("feedback:settings")
    undelivered = undelivered_requests(since=timezone.now() - UNDELIVERED_PERIOD)
    context = {"form": form, "undelivered": undelivered, "undelivered_days": UNDELIVERED_PERIOD.days}
    return render(request, "feedback/settings.html", context, status=422 if form.errors else 200)
