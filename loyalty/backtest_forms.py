"""Forms of the draft and backtest pages: the draft's settings as fields, its levels and promos as rows (formsets of
the production level and promo forms, so a row is checked as the level and promo pages check it), the backtest's
period, and the publishing moment. They parse input; loyalty.program_draft and loyalty.services.backtests check the
draft as a whole (duplicate levels, promos without effect, unknown levels) and save it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from loyalty.forms import LevelForm, PromoForm
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
        initial["name"] = name
        return initial

    def program_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        program: dict[str, Any] = {field: _json_value(data[field]) for field in self.PROGRAM_FIELDS}
        program["excluded_categories"] = [
            part.strip() for part in (data.get("excluded_categories") or "").split(",") if part.strip()
        ]
        return program


def _json_value(value: Any) -> Any:
    """A cleaned value as the draft's JSON holds it (loyalty.program_draft)."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


class _DraftRow:
    """A level or promo row of a draft: the production form's fields and checks, but nothing is compared with the
    program's own rows (a draft's rows replace them: loyalty.program_draft checks the rows against each other, and
    the promo rules the table's constraints hold, in words)."""

    instance: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.validate_constraints = _no_constraints

    def validate_unique(self) -> None:
        return None


def _no_constraints(exclude: Any = None) -> None:
    return None


class DraftLevelForm(_DraftRow, LevelForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(LevelForm.Meta):
        fields = ["name", "threshold_amount", "earn_rate_percent", "redemption_cap_percent"]

    def draft_row(self, level_id: int) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id": level_id,
            "name": data["name"],
            "threshold_amount": _json_value(data["threshold_amount"]),
            "earn_rate_percent": _json_value(data["earn_rate_percent"]),
            "redemption_cap_percent": _json_value(data.get("redemption_cap_percent")),
        }


class DraftPromoForm(_DraftRow, PromoForm):
    """A promo row; its levels are the draft's (a level added to the draft is offered once the draft is saved)."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    level_ids = forms.TypedMultipleChoiceField(  # type: ignore[assignment]  # the draft's levels, not the program's
        label=_("Levels"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )

    class Meta(PromoForm.Meta):
        fields = [
            "name",
            "multiplier",
            "bonus_points",
            "combination",
            "starts_on",
            "ends_on",
            "weekdays",
            "starts_at_time",
            "ends_at_time",
            "guest_tags",
            "categories",
            "requires_code",
        ]

    def __init__(self, *args: Any, levels: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level_ids"].choices = list(levels)  # type: ignore[attr-defined]  # a choice field

    def draft_row(self, promo_id: int) -> dict[str, Any]:
        data = self.cleaned_data
        row = {name: _json_value(data.get(name)) for name in self.Meta.fields}
        row["weekdays"] = sorted(data.get("weekdays") or [])
        row["guest_tags"] = list(data.get("guest_tags") or [])
        row["categories"] = list(data.get("categories") or [])
        row["bonus_points"] = data.get("bonus_points") or 0
        row["requires_code"] = bool(data.get("requires_code"))
        row["restaurant_ids"] = sorted(restaurant.pk for restaurant in data.get("restaurant_ids") or [])
        row["level_ids"] = sorted(data.get("level_ids") or [])
        row["id"] = promo_id
        return row


LevelFormSet = formset_factory(DraftLevelForm, extra=1, can_delete=True)
PromoFormSet = formset_factory(DraftPromoForm, extra=1, can_delete=True)


class DraftEditor:
    """The draft page's form and its level and promo rows, read and written together: `draft_data()` is the draft's
    JSON, and `add_draft_errors` puts the problems loyalty.program_draft names by path back on the field or row they
    concern."""

    def __init__(self, draft_data: Mapping[str, Any], *, name: str, posted: Mapping[str, Any] | None = None) -> None:
        level_choices = [(level["id"], level["name"]) for level in draft_data.get("levels", []) if "id" in level]
        self.saved_level_ids = {level_id for level_id, _name in level_choices}
        self.saved_promo_ids = {promo["id"] for promo in draft_data.get("promos", []) if "id" in promo}
        promo_kwargs = {"levels": level_choices}
        if posted is None:
            self.form = DraftForm(initial=DraftForm.initial_of(name=name, data=dict(draft_data)))
            self.levels = LevelFormSet(initial=list(draft_data.get("levels", [])), prefix="levels")
            self.promos = PromoFormSet(
                initial=list(draft_data.get("promos", [])), prefix="promos", form_kwargs=promo_kwargs
            )
        else:
            self.form = DraftForm(posted)
            self.levels = LevelFormSet(posted, prefix="levels")
            self.promos = PromoFormSet(posted, prefix="promos", form_kwargs=promo_kwargs)
        self._rows: dict[str, list[forms.BaseForm]] = {"levels": [], "promos": []}

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.levels.is_valid(), self.promos.is_valid()])

    @staticmethod
    def _kept(formset: forms.BaseFormSet[Any]) -> list[Any]:
        """The rows the draft keeps: filled in (an untouched blank row has no cleaned data) and not removed."""
        return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    @staticmethod
    def _row_ids(rows: list[Any], saved: set[int]) -> list[int]:
        """Each row's id: the one it came with when the draft knows it, else a new negative one (as
        loyalty.program_draft lets a draft name new rows)."""
        taken = {form.cleaned_data.get("id") for form in rows} & saved
        next_new = min([0, *taken]) - 1
        ids = []
        for form in rows:
            row_id = form.cleaned_data.get("id")
            if row_id not in taken or row_id in ids:
                row_id, next_new = next_new, next_new - 1
            ids.append(row_id)
        return ids

    def draft_data(self) -> dict[str, Any]:
        levels, promos = self._kept(self.levels), self._kept(self.promos)
        self._rows = {"levels": levels, "promos": promos}
        return {
            "program": self.form.program_data(),
            "levels": [
                form.draft_row(row_id)
                for form, row_id in zip(levels, self._row_ids(levels, self.saved_level_ids), strict=True)
            ],
            "promos": [
                form.draft_row(row_id)
                for form, row_id in zip(promos, self._row_ids(promos, self.saved_promo_ids), strict=True)
            ],
        }

    def add_draft_errors(self, fields: Mapping[str, Any], message: str) -> None:
        """The draft's problems by path ("program.expiry_days", "levels.0.name", "promos") onto its fields and rows."""
        for path, problems in fields.items():
            part, _dot, rest = path.partition(".")
            index, _dot, field = rest.partition(".")
            target: forms.BaseForm = self.form
            name: str | None = None
            if part == "program" and rest in self.form.fields:
                name = rest
            elif part in self._rows and index.isdigit() and int(index) < len(self._rows[part]):
                target = self._rows[part][int(index)]
                name = field if field in target.fields else None
            for problem in problems if isinstance(problems, list) else [problems]:
                target.add_error(name, str(problem) if target is not self.form or name else f"{path}: {problem}")
        if not fields:
            self.form.add_error(None, message)


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
