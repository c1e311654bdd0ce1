"""What the setup checklist keeps of its own: that it was dismissed, by whom and when. Everything else it shows is
computed from the chain's data (onboarding.selectors)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChecklistDismissal(models.Model):
    """The setup checklist hidden for the whole chain (one row at most)."""

    is_single = models.BooleanField(default=True, editable=False)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), default=timezone.now)

    class Meta:
        verbose_name = _("setup checklist dismissal")
        verbose_name_plural = _("setup checklist dismissals")
        constraints = [models.UniqueConstraint(fields=["is_single"], name="onboarding_dismissal_one_per_chain")]

    def __str__(self) -> str:
        return f"dismissed {self.dismissed_at:%Y-%m-%d %H:%M}"
