"""The dashboard page of a chain's staff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import access_for, permission_required_page
from accounts.roles import Permission
from analytics.selectors import dashboard_summary


@permission_required_page(Permission.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    summary = dashboard_summary(access=access, chain_id=request.tenant.id)  # type: ignore[attr-defined]
    return render(request, "analytics/dashboard.html", {"summary": summary})
