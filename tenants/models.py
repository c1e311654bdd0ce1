"""A restaurant chain is a tenant with its own PostgreSQL schema; domains route hosts to it."""

from __future__ import annotations

import posixpath
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin

from tenants.validators import DEFAULT_CARD_BACKGROUND, DEFAULT_CARD_FOREGROUND, DEFAULT_CARD_LABEL


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
    # The logo's stored name in the chain's files ("chains/<schema>/logo/<random>.png", maxloyalty.chain_files);
    # empty: none. Served publicly at /logo/<random>.png: the random part changes with every upload.
    logo = models.CharField(_("logo"), max_length=200, blank=True)
    # The loyalty card's colours in the phone's wallet, "#rrggbb" (tenants.services.set_card_colours checks them).
    card_background = models.CharField(_("card background"), max_length=7, default=DEFAULT_CARD_BACKGROUND)
    card_foreground = models.CharField(_("card text colour"), max_length=7, default=DEFAULT_CARD_FOREGROUND)
    card_label = models.CharField(_("card label colour"), max_length=7, default=DEFAULT_CARD_LABEL)
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

    @property
    def logo_file_name(self) -> str:
        """The last part of the logo's stored name: what its public address ends with ("" without a logo)."""
        return posixpath.basename(self.logo)

    @property
    def logo_url(self) -> str:
        """The logo's absolute public address, for the Mini App and the bot ("" without a logo)."""
        return f"{self.base_url}/logo/{self.logo_file_name}" if self.logo else ""


class Domain(DomainMixin):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


def site_url(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


class PendingSignup(models.Model):
    """A sign-up waiting for its owner to confirm the email address: no schema, no user, no membership yet.

    Until it expires (or is confirmed) it reserves the chain's address. Only a hash of the emailed token is kept.
    """

    email = models.EmailField(_("email"))
    owner_name = models.CharField(_("owner's name"), max_length=200, blank=True)
    # The chosen password's hash when the email had no account at sign-up; empty for an existing account.
    password_hash = models.CharField(_("password hash"), max_length=128, blank=True)
    name = models.CharField(_("chain name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=40)
    time_zone = models.CharField(_("time zone"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    default_language = models.CharField(_("default language"), max_length=5, choices=settings.LANGUAGES)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed confirmation attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    chain = models.ForeignKey(Chain, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("pending sign-up")
        verbose_name_plural = _("pending sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(confirmed_at__isnull=True),
                name="tenants_pendingsignup_one_per_slug",
            )
        ]
        indexes = [
            models.Index(fields=["expires_at"], name="tenants_pendingsignup_exp_idx"),
            models.Index(fields=["client_address"], name="tenants_pendingsignup_addr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.email})"
