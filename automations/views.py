"""The automations page: every automation of the chain with its switch, parameters, channels, bonus, a link to its
template and what it sent in the last 30 days. Managers see it; owners and admins change it (audited by
automations.services)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from automations import rules
from automations.forms import AutomationForm
from automations.selectors import automations, sent_counts
from automations.services import update_automation
from maxloyalty.errors import domain_errors_into


def _feedback_url() -> str:
    """The post-visit feedback's settings, where the chain has them (the feedback app)."""
    try:
        return reverse("feedback:settings")
    except NoReverseMatch:
        return ""


@permission_required_page(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def automation_list(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    can_change = access.can(Permission.MANAGE_SETTINGS)
    rows = automations()
    posted = request.POST.get("kind") if request.method == "POST" else None
    if posted is not None:
        if not can_change:
            raise PermissionDenied
        if posted not in rows:
            raise Http404
    forms = {
        kind: AutomationForm(request.POST if kind == posted else None, automation=row) for kind, row in rows.items()
    }
    if posted is not None:
        form = forms[posted]
        if form.is_valid():
            with domain_errors_into(form):
                update_automation(actor=access.user, kind=posted, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("Automation saved."))
                return redirect("automations:automation-list")
    counts = sent_counts(now=timezone.now())
    items = [
        {
            "automation": row,
            "form": forms[kind],
            "template_kind": rules.TEMPLATE_KINDS[kind],
            "sent": counts.get(kind, 0),
        }
        for kind, row in rows.items()
    ]
    context = {"items": items, "can_change": can_change, "feedback_url": _feedback_url()}
    return render(request, "automations/automations.html", context, status=422 if posted is not None else 200)
