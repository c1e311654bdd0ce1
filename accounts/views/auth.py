"""Sign-in, sign-out, the chain's home, the chain chooser (platform host), the one-time hand-off to a chain's host,
passwords."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_for, forget_access, home_path_for
from accounts.forms import ChainPasswordResetForm, SignInForm
from accounts.handoff import handoff_url, redeem_handoff
from accounts.requests import SignedInRequest
from accounts.selectors import chains_of
from accounts.sign_in import password_was_reset
from accounts.user_sessions import end_other_sessions
from audit.services import record_audit
from maxloyalty.client_ip import client_ip
from maxloyalty.current_schema import current_schema_name


def _on_platform() -> bool:
    return current_schema_name() == "public"


def _landing_after_login(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    if _on_platform():
        return "/accounts/chains/"
    return home_path_for(access_for(request))


def chain_home(request: HttpRequest) -> HttpResponse:
    """The root of a chain's host: members go to their home page, everyone else to sign-in."""
    access = access_for(request)
    if access is None:
        return redirect("accounts:login")
    return redirect(home_path_for(access))


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_landing_after_login(request))
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user_cache, backend="django.contrib.auth.backends.ModelBackend")
        forget_access(request)
        return redirect(_landing_after_login(request))
    status = 429 if any(error.code == "locked" for error in form.non_field_errors().as_data()) else 200
    return render(request, "accounts/sign_in.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@login_required
def chain_chooser(request: SignedInRequest) -> HttpResponse:
    """Platform host: the chains this user works for, each opened through a one-time hand-off link."""
    chains = chains_of(request.user)
    if len(chains) == 1 and not request.GET.get("all"):
        return HttpResponseRedirect(handoff_url(request.user, chains[0]))
    entries = [{"chain": chain, "url": handoff_url(request.user, chain)} for chain in chains]
    return render(request, "accounts/chain_chooser.html", {"entries": entries})


def handoff(request: HttpRequest) -> HttpResponse:
    """Chain host: accept a fresh, unused hand-off token from the platform host and sign the user in here."""
    tenant = getattr(request, "tenant", None)
    user = redeem_handoff(request.GET.get("token", ""), chain_id=tenant.id if tenant is not None else None)
    if user is None:
        messages.error(request, _("The sign-in link has expired. Please sign in."))
        return redirect("accounts:login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # redeem_handoff proved the access
    forget_access(request)
    return redirect(home_path_for(access_for(request)))


class PasswordResetRequest(auth_views.PasswordResetView):
    form_class = ChainPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """The emailed link proves the account's address: a new password here also lifts the account's sign-in locks."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_was_reset(user=form.user, client_address=client_ip(self.request))
        end_other_sessions(user=form.user, current_key=None)  # whoever holds the old password's sessions is out
        return response


class PasswordChange(auth_views.PasswordChangeView):
    request: SignedInRequest  # the view requires sign-in (login_required in Django's view)
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        if not _on_platform():
            record_audit(action="user.password_changed", actor=self.request.user, target=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        if end_other_sessions(user=self.request.user, current_key=self.request.session.session_key):
            messages.info(self.request, _("Your other sessions have been ended."))
        return response
