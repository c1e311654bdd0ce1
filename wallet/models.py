"""A guest's loyalty card in a phone's wallet (one per guest and platform) and the Apple devices that carry it."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class WalletPlatform(models.TextChoices):
    APPLE = "apple", _("Apple Wallet")
    GOOGLE = "google", _("Google Wallet")


def new_serial() -> str:
    return secrets.token_urlsafe(18)


def new_authentication_token() -> str:
    # PassKit wants at least 16 characters; the device sends it back as "Authorization: ApplePass <token>".
    return secrets.token_urlsafe(32)


class WalletCard(models.Model):
    guest = models.ForeignKey("guests.Guest", on_delete=models.CASCADE, related_name="wallet_cards")
    platform = models.CharField(_("platform"), max_length=8, choices=WalletPlatform.choices)
    serial = models.CharField(_("serial number"), max_length=64, default=new_serial)
    # Written into the pass (Apple rebuilds it on every fetch, so it is kept as issued) and only ever compared in
    # constant time (wallet.selectors.card_for_device).
    authentication_token = models.CharField(max_length=64, default=new_authentication_token, editable=False)
    # What the card last showed its devices: a round of updates pushes only cards whose facts differ.
    shown_points = models.IntegerField(_("points shown"), null=True, blank=True)
    shown_level = models.CharField(_("level shown"), max_length=100, blank=True)
    # Its guest's balance or level moved since the last round of updates (wallet.services.update_changed_cards).
    needs_update = models.BooleanField(_("needs an update"), default=False)
    # When what the card shows last changed: Apple's Last-Modified and passesUpdatedSince.
    changed_at = models.DateTimeField(_("content changed at"), auto_now_add=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("wallet card")
        verbose_name_plural = _("wallet cards")
        constraints = [
            models.UniqueConstraint(fields=["guest", "platform"], name="wallet_walletcard_one_per_platform"),
            models.UniqueConstraint(fields=["serial"], name="wallet_walletcard_serial_unique"),
        ]
        indexes = [
            models.Index(
                fields=["needs_update"], condition=models.Q(needs_update=True), name="wallet_walletcard_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.serial}"


class AppleDeviceRegistration(models.Model):
    """A device that added the card and asked for its updates (PassKit web service's register call)."""

    card = models.ForeignKey(WalletCard, on_delete=models.CASCADE, related_name="devices")
    device_library_id = models.CharField(_("device library identifier"), max_length=128)
    push_token = models.CharField(_("push token"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Apple device registration")
        verbose_name_plural = _("Apple device registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["device_library_id", "card"], name="wallet_appledeviceregistration_one_per_card"
            ),
        ]
        indexes = [models.Index(fields=["device_library_id"], name="wallet_device_library_idx")]

    def __str__(self) -> str:
        return self.device_library_id
