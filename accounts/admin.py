"""Django admin for platform staff (platform host only); the site itself (its sign-in) is accounts.admin_site."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from qsessions import admin as qsessions_admin

from accounts.models import Membership, User

# qsessions registers an admin showing each session's key (the cookie's secret) in pages, links and URLs: platform
# staff could take over anyone's session and the keys would reach access logs. Imported here so that it has
# registered, then removed; users see and end their own sessions at /accounts/sessions/.
admin.site.unregister(qsessions_admin.Session)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
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
