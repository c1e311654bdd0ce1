"""The review queue's forms: the list's filters, a reviewer's note and chosen operations, the owner's thresholds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fraud.models import FlagStatus, FraudRule, FraudSettings
from fraud.services import SETTINGS_FIELDS


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *FlagStatus.choices])
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[("", _("Any rule")), *FraudRule.choices])


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    entry_ids = forms.TypedMultipleChoiceField(label=_("Operations"), required=False, coerce=int, choices=[])

    def __init__(self, *args: Any, entry_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(entry_id, str(entry_id)) for entry_id in entry_ids or []]
        self.fields["entry_ids"].choices = choices  # type: ignore[attr-defined]  # a TypedMultipleChoiceField


class FraudSettingsForm(forms.ModelForm[FraudSettings]):
    class Meta:
        model = FraudSettings
        fields = list(SETTINGS_FIELDS)
