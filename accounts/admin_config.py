"""The app config that installs django.contrib.admin with the platform's site (accounts.admin_site: the one sign-in
door, a lock answered 429). Settings name it in place of "django.contrib.admin"."""

from django.contrib.admin import apps as admin_apps


class PlatformAdminConfig(admin_apps.AdminConfig):
    default_site = "accounts.admin_site.PlatformAdminSite"
