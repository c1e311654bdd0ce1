"""Writes of automations: an automation's settings changed by the chain's staff (audited as old → new). Running
the automations is automations.runners'."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from audit.services import changes_between, record_audit
from automations.errors import AutomationNotFound, NoChannelChosen
from automations.models import Automation, AutomationKind
from automations.selectors import automations
from messaging.models import Channel

FIELDS = ("is_enabled", "days", "win_back_mode", "rhythm_factor", "rhythm_floor_days", "channels", "bonus_points")


@transaction.atomic
def update_automation(*, actor: User, kind: str, **values: Any) -> Automation:
    """Switch an automation on or off and tune it; a change is audited as old → new, no change writes nothing."""
    if kind not in AutomationKind.values:
        raise AutomationNotFound()
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not an automation setting: {', '.join(sorted(unknown))}")
    channels = values.get("channels")
    if channels is not None and (not channels or set(channels) - set(Channel.values)):
        raise NoChannelChosen(fields={"channels": [str(NoChannelChosen.message)]})
    automations()  # the rows exist
    row = Automation.objects.select_for_update().get(kind=kind)
    before = {field: getattr(row, field) for field in values}
    for field, value in values.items():
        setattr(row, field, value)
    changes = changes_between(before, {field: getattr(row, field) for field in values})
    if changes:
        row.save()
        record_audit(
            action="automations.automation_changed", actor=actor, target=row, changes=changes, data={"kind": kind}
        )
    return row
