"""The platform's Django admin site: its sign-in goes through the one sign-in door (accounts.sign_in) and answers a
lock as every other door does, with 429."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse

from accounts.errors import InvalidCredentials, SignInLocked
from accounts.sign_in import prove_password
from maxloyalty.client_ip import client_ip


class PlatformAdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in: platform staff only, with the same locks and answers as every other door."""

    def clean(self) -> dict[str, Any]:
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email and password:
            address = client_ip(self.request) if self.request is not None else ""
            try:
                self.user_cache = prove_password(
                    email=email, password=password, client_address=address, platform_staff_only=True
                )
            except SignInLocked as error:
                raise forms.ValidationError(str(error.message), code="locked") from error
            except InvalidCredentials as error:
                raise forms.ValidationError(str(error.message), code="invalid_login") from error
        return self.cleaned_data


class PlatformAdminSite(AdminSite):
    login_form = PlatformAdminSignInForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and any(error.code == "locked" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response
