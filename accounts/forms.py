"""Sign-in form: email + password, with the lock after repeated failures and the chain membership check."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import login_throttle
from accounts.access import resolve_access
from accounts.models import Role
from accounts.roles import RESTAURANT_SCOPED_ROLES
from maxloyalty.client_ip import client_ip
from pos.models import Restaurant


def lock_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed attempts. Sign-in is locked for %(minutes)s minute.",
        "Too many failed attempts. Sign-in is locked for %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


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
        ip = client_ip(self.request)
        if seconds := login_throttle.seconds_locked(email=email, ip=ip):
            raise forms.ValidationError(lock_message(seconds), code="locked")
        user = authenticate(self.request, username=email.lower(), password=password)
        tenant = getattr(self.request, "tenant", None)
        if (
            user is not None
            and tenant is not None
            and tenant.schema_name != "public"
            and resolve_access(user, tenant.id) is None
        ):
            user = None  # a valid password for someone with no role in this chain is still a refusal
        if user is None:
            if seconds := login_throttle.register_failure(email=email, ip=ip):
                raise forms.ValidationError(lock_message(seconds), code="locked")
            raise forms.ValidationError(_("Wrong email or password, or no access to this chain."), code="invalid_login")
        login_throttle.clear_failures(email=email)
        self.user_cache = user
        return cleaned


class ChainPasswordResetForm(PasswordResetForm):
    """On a chain's host, reset links go only to that chain's staff."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

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
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if value in set(assignable_roles)
        ]
        self.fields["restaurants"].queryset = Restaurant.objects.all()
        if editing:
            for name in ("email", "full_name"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") in RESTAURANT_SCOPED_ROLES and not cleaned.get("restaurants"):
            self.add_error("restaurants", _("Choose at least one restaurant for a manager or cashier."))
        return cleaned
