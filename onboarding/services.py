"""Writes of the setup checklist: dismissing it for the whole chain (audited)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.actors import Actor
from audit.services import record_audit
from onboarding.models import ChecklistDismissal
from onboarding.selectors import SetupChecklist


@transaction.atomic
def dismiss_checklist(*, actor: Actor, checklist: SetupChecklist) -> ChecklistDismissal:
    """Hide the checklist from the dashboard and close its page; a second dismissal changes nothing."""
    existing = ChecklistDismissal.objects.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            dismissal = ChecklistDismissal.objects.create(dismissed_by=actor)
    except IntegrityError:  # dismissed at the same moment by someone else
        return ChecklistDismissal.objects.get()
    record_audit(
        action="onboarding.checklist_dismissed",
        actor=actor,
        target=dismissal,
        data={"steps_done": [step.key for step in checklist.steps if step.is_done]},
    )
    return dismissal
