"""Forms of the draft and backtest pages: the draft's settings as fields and its levels and promos as JSON, the
backtest's period, and the publishing moment. They parse input; loyalty.services.backtests validates and saves."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import EarnBase, LevelThresholdMode, Rounding
from loyalty.services.backtests import BACKTEST_DAYS

PERCENT: dict[str, Any] = {"min_value": Decimal(0), "max_value": Decimal(100), "decimal_places": 2}


class DraftForm(forms.Form):
    name = forms.CharField(label=_("Draft name"), max_length=200, required=False)
    base_earn_rate_percent = forms.DecimalField(label=_("base earn rate, %"), **PERCENT)
    rounding = forms.ChoiceField(label=_("rounding of earned points"), choices=Rounding.choices)
    earn_base = forms.ChoiceField(label=_("what counts toward the base"), choices=EarnBase.choices)
    excluded_categories = forms.CharField(
        label=_("product categories that earn nothing"), required=False, help_text=_("Separated by commas")
    )
    point_value_amount = forms.DecimalField(
        label=_("money value of one point"), min_value=Decimal("0.0001"), decimal_places=4
    )
    min_redeem_points = forms.IntegerField(label=_("minimum points per redemption"), min_value=0)
    max_redeem_share_percent = forms.DecimalField(label=_("maximum share of a check payable with points, %"), **PERCENT)
    activation_delay_hours = forms.IntegerField(label=_("activation delay, hours"), min_value=0)
    expiry_days = forms.IntegerField(label=_("points expire after, days"), min_value=0, help_text=_("0: never"))
    level_threshold_mode = forms.ChoiceField(label=_("level thresholds count"), choices=LevelThresholdMode.choices)
    level_rolling_days = forms.IntegerField(label=_("rolling period, days"), min_value=1)
    levels = forms.CharField(
        label=_("Levels"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "code"}),
        required=False,
        help_text=_(
            'A list of {"id", "name", "threshold_amount", "earn_rate_percent", "redemption_cap_percent"}; '
            "a new level has no id."
        ),
    )
    promos = forms.CharField(
        label=_("Promos"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "code"}),
        required=False,
        help_text=_("A list of promos as the API's draft shows them; a new promo has no id."),
    )

    PROGRAM_FIELDS = (
        "base_earn_rate_percent",
        "rounding",
        "earn_base",
        "point_value_amount",
        "min_redeem_points",
        "max_redeem_share_percent",
        "activation_delay_hours",
        "expiry_days",
        "level_threshold_mode",
        "level_rolling_days",
    )

    @classmethod
    def initial_of(cls, *, name: str, data: dict[str, Any]) -> dict[str, Any]:
        program = data.get("program", {})
        initial = {field: program.get(field) for field in cls.PROGRAM_FIELDS}
        initial["excluded_categories"] = ", ".join(program.get("excluded_categories", []))
        initial["levels"] = json.dumps(data.get("levels", []), ensure_ascii=False, indent=2)
        initial["promos"] = json.dumps(data.get("promos", []), ensure_ascii=False, indent=2)
        initial["name"] = name
        return initial

    def _json_list(self, field: str) -> list[Any]:
        text = self.cleaned_data.get(field) or "[]"
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) from error
        if not isinstance(value, list):
            raise forms.ValidationError(_("Give a list."))
        return value

    def clean_levels(self) -> list[Any]:
        return self._json_list("levels")

    def clean_promos(self) -> list[Any]:
        return self._json_list("promos")

    def draft_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        program: dict[str, Any] = {field: data[field] for field in self.PROGRAM_FIELDS}
        for field, value in program.items():
            if isinstance(value, Decimal):
                program[field] = f"{value.normalize():f}"
        program["excluded_categories"] = [
            part.strip() for part in (data.get("excluded_categories") or "").split(",") if part.strip()
        ]
        return {"program": program, "levels": data["levels"], "promos": data["promos"]}


class BacktestForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Replay the checks of the last N days"),
        choices=[(days, str(days)) for days in BACKTEST_DAYS],
        coerce=int,
        initial=90,
    )


class PublishForm(forms.Form):
    effective_at = forms.DateTimeField(
        label=_("Takes effect at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: at once. In the chain's time zone."),
    )
