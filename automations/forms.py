"""The form of one automation on the automations page: its switch, its days (and for win-back the rhythm), the
channels it may use and its bonus; only the fields its kind has (automations.rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from automations import rules
from automations.models import Automation, AutomationKind, WinBackMode
from messaging.models import Channel

DAYS_LABELS: dict[str, Any] = {
    AutomationKind.WELCOME_REMINDER: _("Days after registration without a visit"),
    AutomationKind.WIN_BACK: _("Days without a visit"),
    AutomationKind.BIRTHDAY: _("Days before the birthday"),
    AutomationKind.POINTS_EXPIRING: _("Days before the points expire"),
    AutomationKind.LEVEL_AT_RISK: _("Days before the level would be lost"),
}


class AutomationForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("On"), required=False)
    days = forms.IntegerField(label=_("Days"), min_value=0, max_value=365)
    win_back_mode = forms.ChoiceField(label=_("Win-back after"), choices=WinBackMode.choices)
    rhythm_factor = forms.DecimalField(
        label=_("Times the guest's usual gap between visits"),
        min_value=Decimal("1.00"),
        max_value=Decimal("10.00"),
        max_digits=4,
        decimal_places=2,
    )
    rhythm_floor_days = forms.IntegerField(label=_("But at least, days"), min_value=1, max_value=365)
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    bonus_points = forms.IntegerField(label=_("Bonus points"), min_value=0, max_value=100000)

    def __init__(self, *args: Any, automation: Automation, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", automation.kind)
        kwargs["initial"] = {name: getattr(automation, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)
        self.automation = automation
        kind = automation.kind
        if kind in rules.KINDS_WITH_DAYS:
            at_least = 1 if kind in (AutomationKind.WIN_BACK, AutomationKind.WELCOME_REMINDER) else 0
            self.fields["days"] = forms.IntegerField(label=DAYS_LABELS[kind], min_value=at_least, max_value=365)
        else:
            del self.fields["days"]
        if kind != AutomationKind.WIN_BACK:
            for name in ("win_back_mode", "rhythm_factor", "rhythm_floor_days"):
                del self.fields[name]
        if kind not in rules.KINDS_WITH_BONUS:
            del self.fields["bonus_points"]
