"""Forms of the receipt claims' staff pages: the list's filters, a manual match and a rejection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos.models import ClaimStatus


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *ClaimStatus.choices])
    restaurant = forms.TypedChoiceField(label=_("Restaurant"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("Visit from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Visit to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, restaurants: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["restaurant"].choices = [("", _("Any restaurant")), *restaurants]  # type: ignore[attr-defined]  # a TypedChoiceField


class ClaimMatchForm(forms.Form):
    receipt_id = forms.IntegerField(label=_("Receipt"), min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ClaimRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the guest is told it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
