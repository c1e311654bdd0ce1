"""The feedback settings form (owner, admin) and the guest's rating form on the signed link page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import AlertRecipients, FeedbackSettings
from feedback.rules import SCORES


class FeedbackSettingsForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("Ask guests to rate their visit"), required=False)
    delay_minutes = forms.IntegerField(
        label=_("Delay after the visit, minutes"),
        min_value=0,
        max_value=7 * 24 * 60,
        help_text=_("e.g. 120: two hours"),
    )
    low_score_threshold = forms.IntegerField(
        label=_("Low rating threshold"),
        min_value=1,
        max_value=4,
        help_text=_("A rating at or below it alerts the staff"),
    )
    repeat_gap_days = forms.IntegerField(
        label=_("Ask the same guest at most once in, days"), min_value=1, max_value=365
    )
    alert_recipients = forms.ChoiceField(label=_("Who is alerted of a low rating"), choices=AlertRecipients.choices)
    alert_email = forms.EmailField(label=_("Also alert this address"), required=False)

    def __init__(self, *args: Any, instance_values: FeedbackSettings, **kwargs: Any) -> None:
        kwargs["initial"] = {name: getattr(instance_values, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(score, str(score)) for score in SCORES],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
