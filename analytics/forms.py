"""The analytics filters: a date range and a restaurant among those the viewer may see."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from restaurants.models import Restaurant

MAX_DAYS = 3 * 366


class AnalyticsFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    restaurant = forms.TypedChoiceField(label=_("Restaurant"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, restaurants: list[Restaurant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["restaurant"]).choices = [
            ("", _("All my restaurants")),
            *[(r.id, r.name) for r in restaurants],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("start")
        end: dt.date | None = data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must not be before the start."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("end", _("Choose at most three years."))
        return data
