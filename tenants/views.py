"""The platform's own pages: landing, chain sign-up, and the page for a host that belongs to no chain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.views.auth import handoff_url
from maxloyalty.client_ip import client_ip
from maxloyalty.errors import api_error_response, domain_errors_into, is_api_request
from tenants.forms import ChainSignupForm
from tenants.services import create_chain


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = ChainSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with domain_errors_into(form):
            chain, owner = create_chain(
                name=data["name"],
                slug=data["slug"],
                owner_email=data["email"],
                owner_password=data["password"],
                owner_name=data["owner_name"],
                client_address=client_ip(request),
                time_zone=data["time_zone"],
                currency=data["currency"],
                default_language=data["default_language"],
            )
        if not form.errors:
            return HttpResponseRedirect(handoff_url(owner, chain))
    return render(request, "tenants/signup.html", {"form": form}, status=422 if form.errors else 200)


def unknown_host(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, 404, "unknown_host", "No restaurant chain is served at this address.")
    return render(request, "tenants/unknown_host.html", {"host": request.get_host()}, status=404)
