"""Writes of saved segments and the chain's campaign settings: each checks who acts (campaigns.selectors), checks
the input (campaigns.rules and the rows it names) and writes one audit row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.access import ChainAccess
from accounts.roles import Permission
from audit.services import changes_between, record_audit
from campaigns.errors import DuplicateSegmentName
from campaigns.models import CampaignSettings, Segment
from campaigns.rules import SegmentFilters, parse_filters
from campaigns.selectors import may_change_segment, require_segment_access
from loyalty.models import Level
from maxloyalty.errors import ValidationFailed
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
