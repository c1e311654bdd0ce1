"""Writes of saved segments, campaigns and the chain's campaign settings: each checks who acts (campaigns.selectors), checks
the input (campaigns.rules and the rows it names) and writes one audit row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import ChainAccess
from accounts.roles import Permission
from audit.services import changes_between, record_audit
from campaigns.errors import CampaignNotEditable, DuplicateSegmentName, SegmentInUse
from campaigns.models import Campaign, CampaignChannel, CampaignSettings, CampaignStatus, Segment
from campaigns.rules import SegmentFilters, parse_filters
from campaigns.selectors import access_segment, may_change_segment, require_segment_access
from loyalty.models import Level, PromoCode
from maxloyalty.errors import ValidationFailed
from maxloyalty.task_queue import enqueue_after_commit
from messaging.templating import check_texts
from restaurants.models import Restaurant

NAME_LENGTH = 100
DESCRIPTION_LENGTH = 1000
SEGMENT_FIELDS = ("name", "description", "filters")


def _snapshot(segment: Segment) -> dict[str, Any]:
    return {field: getattr(segment, field) for field in SEGMENT_FIELDS}


def _checked_filters(access: ChainAccess, data: Any) -> SegmentFilters:
    """The filters, their shape (campaigns.rules) and the rows they name: levels and restaurants of this chain, and
    for a manager only their own restaurants."""
    filters = parse_filters(data)
    errors: dict[str, list[str]] = {}
    if filters.level_ids:
        known = set(Level.objects.filter(pk__in=filters.level_ids).values_list("pk", flat=True))
        if set(filters.level_ids) - known:
            errors["filters.level_ids"] = [_("Unknown level.")]
    if filters.home_restaurant_ids:
        known = set(Restaurant.objects.filter(pk__in=filters.home_restaurant_ids).values_list("pk", flat=True))
        if set(filters.home_restaurant_ids) - known:
            errors["filters.home_restaurant_ids"] = [_("Unknown restaurant.")]
        elif not all(access.covers_restaurant(restaurant_id) for restaurant_id in filters.home_restaurant_ids):
            errors["filters.home_restaurant_ids"] = [_("Name only your own restaurants.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return filters


def _checked_text(name: str, description: str) -> tuple[str, str]:
    name, description = name.strip(), description.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the segment a name.")]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [_("At most %(n)s characters.") % {"n": NAME_LENGTH}]
    if len(description) > DESCRIPTION_LENGTH:
        errors["description"] = [_("At most %(n)s characters.") % {"n": DESCRIPTION_LENGTH}]
    if errors:
        raise ValidationFailed(fields=errors)
    return name, description


def _name_free(name: str, *, segment_id: int | None = None) -> None:
    taken = Segment.objects.annotate(lower_name=Lower("name")).filter(lower_name=name.lower())
    if segment_id is not None:
        taken = taken.exclude(pk=segment_id)
    if taken.exists():
        raise DuplicateSegmentName(fields={"name": [_("A segment with this name exists.")]})


def _save(segment: Segment) -> None:
    """Save in a savepoint: a name taken by a concurrent save (the unique constraint) is the same 409."""
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError as error:
        if "campaigns_segment_name_unique" not in str(error):
            raise
        raise DuplicateSegmentName(fields={"name": [_("A segment with this name exists.")]}) from error


@transaction.atomic
def create_segment(
    *, access: ChainAccess | None, name: str, filters: Mapping[str, Any] | None = None, description: str = ""
) -> Segment:
    access = require_segment_access(access)
    name, description = _checked_text(name, description)
    checked = _checked_filters(access, filters or {})
    _name_free(name)
    segment = Segment(name=name, description=description, filters=checked.as_json(), created_by=access.user)
    _save(segment)
    record_audit(
        action="campaigns.segment_created",
        actor=access.user,
        target=segment,
        changes={field: [None, value] for field, value in _snapshot(segment).items() if value not in ("", {})},
    )
    return segment


@transaction.atomic
def update_segment(*, access: ChainAccess | None, segment: Segment, changes: Mapping[str, Any]) -> Segment:
    """Change a segment's name, description or filters (those given in `changes`; filters are replaced whole)."""
    access = require_segment_access(access)
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    if not may_change_segment(access, locked):
        raise PermissionDenied
    before = _snapshot(locked)
    name, description = _checked_text(
        str(changes.get("name", locked.name)), str(changes.get("description", locked.description))
    )
    if "filters" in changes:
        locked.filters = _checked_filters(access, changes["filters"]).as_json()
    if name.lower() != locked.name.lower():
        _name_free(name, segment_id=locked.pk)
    locked.name, locked.description = name, description
    _save(locked)
    changed = changes_between(before, _snapshot(locked))
    if changed:
        record_audit(action="campaigns.segment_changed", actor=access.user, target=locked, changes=changed)
    return locked


@transaction.atomic
def delete_segment(*, access: ChainAccess | None, segment: Segment) -> None:
    access = require_segment_access(access)
    if not may_change_segment(access, segment):
        raise PermissionDenied
    if Campaign.objects.filter(segment=segment).exists():
        raise SegmentInUse(segment_id=segment.pk)
    record_audit(
        action="campaigns.segment_deleted",
        actor=access.user,
        target=segment,
        data={"name": segment.name, "filters": segment.filters},
    )
    Segment.objects.filter(pk=segment.pk).delete()


@transaction.atomic
def set_managers_may_use_segments(*, access: ChainAccess, allowed: bool) -> CampaignSettings:
    """The chain's choice whether managers build segments of their restaurants' guests (off by default): a chain
    setting, so Permission.MANAGE_SETTINGS (owners, admins)."""
    access.require(Permission.MANAGE_SETTINGS)
    settings, _created = CampaignSettings.objects.select_for_update().get_or_create(pk=1)
    if settings.managers_may_use_segments != allowed:
        record_audit(
            action="campaigns.settings_changed",
            actor=access.user,
            target=settings,
            changes={"managers_may_use_segments": [settings.managers_may_use_segments, allowed]},
        )
        settings.managers_may_use_segments = allowed
        settings.save(update_fields=["managers_may_use_segments", "updated_at"])
    return settings


# --- campaigns -------------------------------------------------------------------------------------------------

CAMPAIGN_KIND = "campaign"
CAMPAIGN_FIELDS = (
    "name",
    "segment_id",
    "channels",
    "email_subject",
    "email_html",
    "email_text",
    "sms_text",
    "telegram_text",
    "bonus_points",
    "promo_code_id",
    "send_at",
    "holdout_percent",
)
TEXT_FIELDS = ("email_subject", "email_html", "email_text", "sms_text", "telegram_text")
EDITABLE_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
MAX_HOLDOUT_PERCENT = 90
MAX_BONUS_POINTS = 1_000_000
START_TASK = "campaigns.tasks.send_campaign_batch"


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    snapshot = {field: getattr(campaign, field) for field in CAMPAIGN_FIELDS}
    snapshot["send_at"] = campaign.send_at.isoformat() if campaign.send_at else None
    return snapshot


def _required_texts(campaign: Campaign) -> dict[str, list[str]]:
    """Each allowed channel needs its text: email a subject and a text or HTML part, SMS and Telegram their text."""
    errors: dict[str, list[str]] = {}
    required = _("Required for this channel.")
    if CampaignChannel.EMAIL in campaign.channels:
        if not campaign.email_subject.strip():
            errors["email_subject"] = [required]
        if not (campaign.email_text.strip() or campaign.email_html.strip()):
            errors["email_text"] = [required]
    if CampaignChannel.SMS in campaign.channels and not campaign.sms_text.strip():
        errors["sms_text"] = [required]
    if CampaignChannel.TELEGRAM in campaign.channels and not campaign.telegram_text.strip():
        errors["telegram_text"] = [required]
    return errors


def _check_campaign(access: ChainAccess, campaign: Campaign) -> None:
    """Every rule of a campaign's content, all mistakes named together (ValidationFailed, 422)."""
    errors: dict[str, list[str]] = {}
    campaign.name = campaign.name.strip()
    if not campaign.name:
        errors["name"] = [_("Give the campaign a name.")]
    elif len(campaign.name) > NAME_LENGTH:
        errors["name"] = [_("At most %(n)s characters.") % {"n": NAME_LENGTH}]
    channels = list(dict.fromkeys(campaign.channels))
    if not channels:
        errors["channels"] = [_("Allow at least one channel.")]
    elif set(channels) - set(CampaignChannel.values):
        errors["channels"] = [_("Unknown channel.")]
    campaign.channels = channels
    if not 0 <= campaign.holdout_percent <= MAX_HOLDOUT_PERCENT:
        errors["holdout_percent"] = [_("Between 0 and %(n)s.") % {"n": MAX_HOLDOUT_PERCENT}]
    if not 0 <= campaign.bonus_points <= MAX_BONUS_POINTS:
        errors["bonus_points"] = [_("Between 0 and %(n)s.") % {"n": MAX_BONUS_POINTS}]
    if campaign.bonus_points and campaign.promo_code_id:
        errors["promo_code"] = [_("Give bonus points or a promo code, not both.")]
    if campaign.promo_code_id and not PromoCode.objects.filter(pk=campaign.promo_code_id, is_active=True).exists():
        errors["promo_code"] = [_("Unknown or inactive promo code.")]
    if not Segment.objects.filter(pk=campaign.segment_id).exists():
        errors["segment"] = [_("Unknown segment.")]
    if campaign.send_at is not None and campaign.send_at <= timezone.now():
        errors["send_at"] = [_("Choose a moment in the future, or send now.")]
    errors.update(_required_texts(campaign))
    try:
        check_texts({field: getattr(campaign, field) for field in TEXT_FIELDS}, kind=CAMPAIGN_KIND)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)


def _campaign_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes named as the model's fields (segment and promo code given by id)."""
    values = {key: value for key, value in changes.items() if key in CAMPAIGN_FIELDS}
    for name in ("segment", "promo_code"):
        if name in changes:
            values[f"{name}_id"] = changes[name]
    return values


@transaction.atomic
def create_campaign(*, access: ChainAccess | None, **fields: Any) -> Campaign:
    """A draft campaign: its texts checked (campaign kind variables), its segment one the actor may use."""
    access = require_segment_access(access)
    values = _campaign_values(fields)
    campaign = Campaign(created_by=access.user, **values)
    if campaign.segment_id is not None:
        access_segment(access=access, segment_id=campaign.segment_id)
    _check_campaign(access, campaign)
    campaign.save()
    record_audit(
        action="campaigns.campaign_created",
        actor=access.user,
        target=campaign,
        changes={field: [None, value] for field, value in _campaign_snapshot(campaign).items() if value},
    )
    return campaign


def _locked_editable(access: ChainAccess, campaign: Campaign) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not (access.can(Permission.MANAGE_SEGMENTS) or locked.created_by_id == access.user.pk):
        raise PermissionDenied
    if locked.status not in EDITABLE_STATUSES:
        raise CampaignNotEditable(campaign_status=locked.status)
    return locked


@transaction.atomic
def update_campaign(*, access: ChainAccess | None, campaign: Campaign, changes: Mapping[str, Any]) -> Campaign:
    """Change a draft or scheduled campaign (CampaignNotEditable, 409, once it is sending, sent or cancelled)."""
    access = require_segment_access(access)
    locked = _locked_editable(access, campaign)
    before = _campaign_snapshot(locked)
    for field, value in _campaign_values(changes).items():
        setattr(locked, field, value)
    if "segment" in changes:
        access_segment(access=access, segment_id=locked.segment_id)
    _check_campaign(access, locked)
    if locked.status == CampaignStatus.SCHEDULED and locked.send_at is None:
        locked.status = CampaignStatus.DRAFT  # no moment left to wait for: back to a draft, sent when asked
    locked.save()
    changed = changes_between(before, _campaign_snapshot(locked))
    if changed:
        record_audit(action="campaigns.campaign_changed", actor=access.user, target=locked, changes=changed)
    return locked


@transaction.atomic
def send_campaign(*, access: ChainAccess | None, campaign: Campaign) -> Campaign:
    """Send the campaign: now (its first batch queued after commit) or, with a send_at, at that moment (the chain's
    tick starts it). The texts are checked again, as they stand."""
    access = require_segment_access(access)
    locked = _locked_editable(access, campaign)
    if locked.status == CampaignStatus.SCHEDULED:
        raise CampaignNotEditable(campaign_status=locked.status)
    _check_campaign(access, locked)
    if locked.send_at is None:
        locked.status, locked.started_at = CampaignStatus.SENDING, timezone.now()
        enqueue_after_commit(START_TASK, campaign_id=locked.pk)
    else:
        locked.status = CampaignStatus.SCHEDULED
    locked.save(update_fields=["status", "started_at", "updated_at"])
    record_audit(
        action="campaigns.campaign_sent" if locked.send_at is None else "campaigns.campaign_scheduled",
        actor=access.user,
        target=locked,
        data={"send_at": locked.send_at.isoformat() if locked.send_at else None},
    )
    return locked


@transaction.atomic
def cancel_campaign(*, access: ChainAccess | None, campaign: Campaign) -> Campaign:
    """Cancel a draft or scheduled campaign (one already sending goes on: its messages are queued)."""
    access = require_segment_access(access)
    locked = _locked_editable(access, campaign)
    locked.status = CampaignStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    record_audit(action="campaigns.campaign_cancelled", actor=access.user, target=locked)
    return locked
