"""Refusals of the campaigns app, each with its code and status (maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, NotFound


class SegmentNotFound(NotFound):
    code, message = "segment_not_found", _("No such segment")


class DuplicateSegmentName(Conflict):
    code, message = "duplicate_segment_name", _("A segment with this name exists")


class CampaignNotFound(NotFound):
    code, message = "campaign_not_found", _("No such campaign")


class CampaignNotEditable(Conflict):
    code, message = "campaign_not_editable", _("Only a draft or scheduled campaign can be changed")


class SegmentInUse(Conflict):
    code, message = "segment_in_use", _("Campaigns use this segment; it cannot be deleted")
