"""A restaurant chain is a tenant with its own PostgreSQL schema; domains route hosts to it."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin


class ChainStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", pgettext_lazy("chain status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("chain status", "Suspended")
    CLOSED = "closed", pgettext_lazy("chain status", "Closed")


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    KZT = "KZT", _("Kazakhstani tenge")
    BYN = "BYN", _("Belarusian rouble")


DEFAULT_CURRENCY = Currency.RUB.value  # a new chain's, and what a check without one is counted in


TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Chain(TenantMixin):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.DEFAULT_CHAIN_TIME_ZONE)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY)
    default_language = models.CharField(_("default language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    status = models.CharField(_("status"), max_length=16, choices=ChainStatus.choices, default=ChainStatus.TRIAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("restaurant chain")
        verbose_name_plural = _("restaurant chains")
        indexes = [models.Index(fields=["status"], name="tenants_chain_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def base_url(self) -> str:
        return site_url(self.host)


class Domain(DomainMixin):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


def site_url(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"
