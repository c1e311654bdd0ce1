"""Restaurants (locations) of a chain: the bottom of the domain, referred to by staff access, guests, loyalty,
analytics and the POS, and importing none of them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RestaurantStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("restaurant status", "Open")
    PAUSED = "paused", pgettext_lazy("restaurant status", "Temporarily closed")
    CLOSED = "closed", pgettext_lazy("restaurant status", "Closed")


class Restaurant(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, help_text=_("Empty: the chain's zone"))
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RestaurantStatus.choices, default="active")
    # Where it is (WGS 84 degrees), for the fraud rule on checks at restaurants too far apart for the time between
    # (fraud.rules); empty: the rule skips this restaurant. Checked in restaurants.services, not by the database.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("restaurant")
        verbose_name_plural = _("restaurants")
        ordering = ["name", "id"]
        # Managers and cashiers work only where they hold this object permission (accounts.roles).
        permissions = [("work_at_restaurant", "Works at this restaurant (managers and cashiers)")]
        indexes = [models.Index(fields=["status"], name="restaurants_status_idx")]

    def __str__(self) -> str:
        return self.name
