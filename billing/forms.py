"""Billing page forms: choose a plan (and provider for the first payment)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Plan, Provider
from billing.selectors import public_plans


class ChoosePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), label=_("Plan"), to_field_name="code")
    provider = forms.ChoiceField(
        label=_("Pay with"),
        choices=[(Provider.YOOKASSA, _("YooKassa (RUB)")), (Provider.STRIPE, _("Stripe (card, USD)"))],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Plan]", self.fields["plan"]).queryset = public_plans()
