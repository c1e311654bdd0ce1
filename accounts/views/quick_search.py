"""The layout's quick search box: its results as an htmx partial under the box, or as a page of their own when
the box is submitted without scripts (accounts.quick_search decides what each role finds)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import access_for, permission_required_page
from accounts.quick_search import SHORTEST_QUERY, quick_search
from accounts.requests import StaffRequest


@permission_required_page()
@require_GET
def quick_search_results(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None  # permission_required_page let a member in
    query = request.GET.get("quick", "").strip()  # not "q": pages have their own search field by that name
    context = {"query": query, "sections": quick_search(access=access, query=query), "shortest": SHORTEST_QUERY}
    template = "accounts/_quick_search_results.html" if request.htmx else "accounts/quick_search.html"
    return render(request, template, context)
