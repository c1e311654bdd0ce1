"""Forms of the cashier page: the check, a new guest, the restaurant of this till."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


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
