"""Refusals of the automations app, each with its code and status (maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import NotFound, ValidationFailed


class AutomationNotFound(NotFound):
    code, message = "automation_not_found", _("No such automation")


class NoChannelChosen(ValidationFailed):
    message = _("Choose at least one channel.")
