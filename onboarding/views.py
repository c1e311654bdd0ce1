"""The setup checklist's own page (reachable until dismissed) and its dismissal; the dashboard shows the same
checklist (analytics.views.dashboard includes templates/onboarding/_checklist.html)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from onboarding.selectors import setup_checklist
from onboarding.services import dismiss_checklist


def _access(request: HttpRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # the decorator let the request in
    return access


@permission_required_page(Permission.VIEW_DASHBOARD)
def checklist_page(request: StaffRequest) -> HttpResponse:
    checklist = setup_checklist(chain_id=request.tenant.pk, access=_access(request))
    if checklist.is_dismissed:
        messages.info(request, _("The setup checklist was dismissed."))
        return redirect("analytics:dashboard")
    return render(request, "onboarding/checklist.html", {"checklist": checklist})


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_POST
def checklist_dismiss(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    dismiss_checklist(actor=access.user, checklist=setup_checklist(chain_id=request.tenant.pk, access=_access(request)))
    messages.success(request, _("Setup checklist dismissed."))
    return redirect("analytics:dashboard")
