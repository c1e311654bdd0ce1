"""Campaigns' tables in each chain's schema: saved segments (a name and filters, evaluated when used) and the
chain's campaign settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from campaigns.rules import SegmentFilters, parse_filters


class Segment(models.Model):
    """A named group of guests described by filters (campaigns.rules); who is in it is decided in SQL each time it
    is used (campaigns.selectors.segment_guests), never stored."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="campaigns_segment_name_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The filters are checked and stored in their one spelling whoever saves (ValidationFailed otherwise)."""
        self.filters = parse_filters(self.filters).as_json()
        super().save(*args, **kwargs)

    @property
    def parsed_filters(self) -> SegmentFilters:
        return parse_filters(self.filters)


class CampaignSettings(models.Model):
    """The chain's campaign settings: exactly one row per chain schema (id = 1), absent until first changed."""

    managers_may_use_segments = models.BooleanField(
        _("managers may build segments of their restaurants' guests"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")

    def __str__(self) -> str:
        return "campaign settings"
