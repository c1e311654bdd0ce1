"""Sign-in form (through the one sign-in door, accounts.sign_in), password reset request, staff form."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.access import resolve_access
from accounts.errors import InvalidCredentials, SignInLocked
from accounts.models import Role
from accounts.roles import RESTAURANT_SCOPED_ROLES
from accounts.sign_in import may_request_password_reset, prove_password
from maxloyalty.client_ip import client_ip
from restaurants.models import Restaurant


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, password = cleaned.get("email"), cleaned.get("password")
        if not email or not password:
            return cleaned
        tenant = getattr(self.request, "tenant", None)
        on_chain = tenant is not None and tenant.schema_name != "public"
        try:
            self.user_cache = prove_password(
                email=email,
                password=password,
                client_address=client_ip(self.request),
                chain=tenant if on_chain else None,
            )
        except SignInLocked as error:
            raise forms.ValidationError(str(error.message), code="locked") from error
        except InvalidCredentials as error:
            raise forms.ValidationError(str(error.message), code="invalid_login") from error
        return cleaned


class ChainPasswordResetForm(PasswordResetForm):
    """On a chain's host, reset links go only to that chain's staff."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Beyond the per-address and per-account limits no email goes out; the page answers the same."""
        address = client_ip(self.request) if self.request is not None else ""
        if may_request_password_reset(email=self.cleaned_data["email"], client_address=address):
            super().save(*args, **kwargs)

    def get_users(self, email: str) -> Iterator[Any]:
        tenant = getattr(self.request, "tenant", None)
        for user in super().get_users(email):
            if tenant is None or tenant.schema_name == "public" or resolve_access(user, tenant.id) is not None:
                yield user


class StaffForm(forms.Form):
    """Invite or edit a staff member: role (only those the editor may give) and, for managers/cashiers, restaurants."""

    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))
    restaurants = forms.ModelMultipleChoiceField(
        label=_("Restaurants"),
        queryset=Restaurant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Managers and cashiers work only in the restaurants checked here."),
    )

    def __init__(self, *args: Any, assignable_roles: Iterable[str], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (value, label) for value, label in Role.choices if value in set(assignable_roles)
        ]
        cast(
            "forms.ModelMultipleChoiceField[Restaurant]", self.fields["restaurants"]
        ).queryset = Restaurant.objects.all()
        if editing:
            for name in ("email", "full_name"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") in RESTAURANT_SCOPED_ROLES and not cleaned.get("restaurants"):
            self.add_error("restaurants", _("Choose at least one restaurant for a manager or cashier."))
        return cleaned
