"""Forms of the cashier page: the check, a new guest, the restaurant of this till."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pos.models import PosKind


class CheckForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Check amount"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10000000"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "autocomplete": "off"}),
    )
    points_to_spend = forms.IntegerField(
        label=_("Points to spend"),
        min_value=0,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    promo_code = forms.CharField(label=_("Promo code"), max_length=40, required=False)
    operation_key = forms.CharField(widget=forms.HiddenInput, max_length=120)


class NewGuestForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    marketing_consent = forms.BooleanField(label=_("Agrees to receive offers (SMS, email, Telegram)"), required=False)


class ConnectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("POS type"), choices=PosKind.choices)
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=120, required=False)
    external_organization_id = forms.CharField(label=_("iiko organisation id"), max_length=64, required=False)
    external_terminal_id = forms.CharField(label=_("Terminal id"), max_length=64, required=False)
    external_restaurant_code = forms.CharField(label=_("Restaurant code"), max_length=64, required=False)
    api_base_url = forms.URLField(
        label=_("API address"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_("R-Keeper: the cash server's XML interface"),
    )
    api_login = forms.CharField(label=_("iiko API login"), max_length=200, required=False, widget=forms.PasswordInput)
    username = forms.CharField(label=_("R-Keeper user"), max_length=200, required=False)
    password = forms.CharField(label=_("R-Keeper password"), max_length=200, required=False, widget=forms.PasswordInput)
    poll_interval_minutes = forms.IntegerField(label=_("Poll every, minutes"), min_value=5, max_value=1440, initial=60)

    def credentials(self) -> dict[str, str]:
        data = self.cleaned_data
        keys = {"iiko": ("api_login",), "rkeeper": ("username", "password")}.get(data["kind"], ())
        return {key: data[key] for key in keys if data.get(key)}
