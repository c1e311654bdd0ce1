"""Forms of the loyalty pages: program settings, levels, promos, promo codes and the earn preview.

The forms only parse and validate input; loyalty.services saves it (and audits it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Level, ProgramSettings, Promo
from restaurants.models import Restaurant

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class ServiceModelForm(forms.ModelForm[Any]):  # a base for the forms of every model here
    """A ModelForm that validates like the model but never saves: `changes()` goes to a service."""

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}  # type: ignore[attr-defined]  # each subclass's Meta


class ProgramSettingsForm(ServiceModelForm):
    class Meta:
        model = ProgramSettings
        fields = [
            "base_earn_rate_percent",
            "rounding",
            "earn_base",
            "excluded_categories",
            "point_value_amount",
            "min_redeem_points",
            "max_redeem_share_percent",
            "activation_delay_hours",
            "expiry_days",
            "expiry_warning_days",
            "level_threshold_mode",
            "level_rolling_days",
            "welcome_bonus_points",
            "birthday_bonus_points",
            "birthday_window_days_before",
            "birthday_window_days_after",
            "referral_bonus_points",
            "referred_bonus_points",
            "referral_min_check_amount",
            "referral_max_per_guest",
            "undo_window_minutes",
            "manager_adjustment_limit",
            "cashier_grant_limit",
        ]
        help_texts = {"excluded_categories": _("Separate categories with commas.")}


class LevelForm(ServiceModelForm):
    class Meta:
        model = Level
        fields = ["name", "threshold_amount", "earn_rate_percent", "redemption_cap_percent", "colour", "description"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"}), "description": forms.Textarea(attrs={"rows": 2})}


class PromoForm(ServiceModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day."),
    )
    restaurant_ids = forms.ModelMultipleChoiceField(
        label=_("Restaurants"),
        queryset=Restaurant.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every restaurant."),
    )
    level_ids = forms.ModelMultipleChoiceField(
        label=_("Levels"),
        queryset=Level.objects.order_by("threshold_amount"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )

    class Meta:
        model = Promo
        fields = [
            "name",
            "description",
            "is_active",
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
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "starts_at_time": forms.TimeInput(attrs={"type": "time"}),
            "ends_at_time": forms.TimeInput(attrs={"type": "time"}),
        }
        help_texts = {
            "guest_tags": _("Separate tags with commas; empty: every guest."),
            "categories": _("Separate categories with commas; empty: the whole check."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["restaurant_ids"].initial = list(self.instance.restaurants.values_list("pk", flat=True))
            self.fields["level_ids"].initial = list(self.instance.levels.values_list("pk", flat=True))

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        changes["restaurant_ids"] = [restaurant.pk for restaurant in self.cleaned_data["restaurant_ids"]]
        changes["level_ids"] = [level.pk for level in self.cleaned_data["level_ids"]]
        return changes


class PromoCodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50)
    max_uses = forms.IntegerField(
        label=_("Uses in total"), min_value=1, required=False, help_text=_("Empty: unlimited")
    )
    max_uses_per_guest = forms.IntegerField(
        label=_("Uses per guest"), min_value=1, required=False, initial=1, help_text=_("Empty: unlimited")
    )


class PreviewForm(forms.Form):
    """“A 2,000 RUB check of a Silver guest on Tuesday at 19:00 with code X earns …”."""

    amount = forms.DecimalField(
        label=_("Check amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2, initial=Decimal(2000)
    )
    level = forms.ModelChoiceField(
        label=_("Guest's level"),
        queryset=Level.objects.order_by("threshold_amount"),
        required=False,
        empty_label=_("No level"),
    )
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int, initial=2)
    time = forms.TimeField(label=_("Time"), initial="19:00", widget=forms.TimeInput(attrs={"type": "time"}))
    restaurant = forms.ModelChoiceField(
        label=_("Restaurant"), queryset=Restaurant.objects.order_by("name"), required=False, empty_label=_("Any")
    )
    promo_code = forms.CharField(label=_("Promo code"), max_length=50, required=False)
