"""Django admin for platform staff (platform host only); its sign-in goes through the one sign-in door."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from qsessions import admin as qsessions_admin

from accounts.models import Membership, User
from accounts.sign_in import InvalidCredentials, SignInLocked, prove_password
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


admin.site.login_form = PlatformAdminSignInForm

# qsessions registers an admin showing each session's key (the cookie's secret) in pages, links and URLs: platform
# staff could take over anyone's session and the keys would reach access logs. Imported here so that it has
# registered, then removed; users see and end their own sessions at /accounts/sessions/.
admin.site.unregister(qsessions_admin.Session)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "username", "language")}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    list_filter = ("is_active", "is_staff")
    filter_horizontal = ()
    inlines = [MembershipInline]
