"""The platform's own pages: landing, chain sign-up with its email confirmation, and the page for a host that
belongs to no chain."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.handoff import handoff_url
from maxloyalty.client_ip import client_ip
from maxloyalty.errors import DomainError, add_domain_error, api_error_response, is_api_request
from tenants.forms import ChainSignupForm, SignupConfirmForm
from tenants.models import PendingSignup
from tenants.signup import confirm_signup, open_signup_for_token, resend_signup_confirmation, start_signup

SESSION_PENDING_SIGNUP = "signup_pending_id"


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = ChainSignupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = start_signup(
                name=data["name"],
                slug=data["slug"],
                email=data["email"],
                password=data["password"],
                owner_name=data["owner_name"],
                client_address=client_ip(request),
                time_zone=data["time_zone"],
                currency=data["currency"],
                default_language=data["default_language"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            request.session[SESSION_PENDING_SIGNUP] = pending.pk
            return redirect("signup-sent")
    if form.errors and status == 200:
        status = 422
    return render(request, "tenants/signup.html", {"form": form}, status=status)


def _pending_of_session(request: HttpRequest) -> PendingSignup | None:
    pending_id = request.session.get(SESSION_PENDING_SIGNUP)
    return PendingSignup.objects.filter(pk=pending_id).first() if pending_id else None


def signup_sent(request: HttpRequest) -> HttpResponse:
    """'Check your email', with a button to send the link again."""
    pending = _pending_of_session(request)
    if pending is None:
        return redirect("signup")
    return render(request, "tenants/signup_sent.html", {"pending": pending})


@require_POST
def signup_resend(request: HttpRequest) -> HttpResponse:
    pending = _pending_of_session(request)
    if pending is None:
        return redirect("signup")
    try:
        resend_signup_confirmation(pending_id=pending.pk, client_address=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
        return render(request, "tenants/signup_sent.html", {"pending": pending}, status=error.status)
    messages.success(request, _("A new link is on its way; the one sent before no longer works."))
    return redirect("signup-sent")


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest) -> HttpResponse:
    """The emailed link: the password given at sign-up confirms it, then the chain is created and opened."""
    token = request.GET.get("token", "")
    try:
        pending = open_signup_for_token(token)
    except DomainError as error:
        return render(request, "tenants/signup_link_invalid.html", {"error": error}, status=error.status)
    form = SignupConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            chain, owner = confirm_signup(
                token=token, password=form.cleaned_data["password"], client_address=client_ip(request)
            )
        except DomainError as error:
            if error.status == 410 or error.code == "signup_link_invalid":
                return render(request, "tenants/signup_link_invalid.html", {"error": error}, status=error.status)
            add_domain_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            request.session.pop(SESSION_PENDING_SIGNUP, None)
            return HttpResponseRedirect(handoff_url(owner, chain))
    if form.errors and status == 200:
        status = 422
    return render(request, "tenants/signup_confirm.html", {"form": form, "pending": pending}, status=status)


def unknown_host(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, 404, "unknown_host", "No restaurant chain is served at this address.")
    return render(request, "tenants/unknown_host.html", {"host": request.get_host()}, status=404)
