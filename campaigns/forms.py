"""The segment and campaign forms of the pages: they read the owner's input (a segment's filters in the shape
campaigns.rules stores; a campaign's texts and gift); the rules and the services judge them, and their refusals
land on the field they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.dates import MONTHS as MONTHS_NAMES
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from analytics.rules import SEGMENTS
from campaigns.models import Campaign, CampaignChannel, Segment
from guests.models import ConsentChannel
from loyalty.models import Level, PromoCode
from maxloyalty.errors import DomainError
from maxloyalty.form_refusals import add_refusal
from restaurants.models import Restaurant
from restaurants.selectors import visible_restaurants

MONTHS = [("", "—"), *((str(number), name) for number, name in MONTHS_NAMES.items())]
MULTIPLE_FIELDS = ("level_ids", "home_restaurant_ids", "rfm_classes", "reachable_channels")


def _number(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, widget=forms.NumberInput(attrs={"min": 0}), **kwargs)


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    level_ids = forms.ModelMultipleChoiceField(
        label=_("Levels"),
        queryset=Level.objects.order_by("threshold_amount", "id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any level."),
    )
    tags = forms.CharField(label=_("Any of the tags"), required=False, help_text=_("Separated by commas."))
    home_restaurant_ids = forms.ModelMultipleChoiceField(
        label=_("Home restaurants"),
        queryset=Restaurant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )
    visits_days = _number(_("Visits over the last … days"), initial=30)
    visits_min = _number(_("Visits: at least"))
    visits_max = _number(_("Visits: at most"))
    spend_days = _number(_("Spend over the last … days"), initial=30)
    spend_min_amount = forms.DecimalField(label=_("Spend: at least"), required=False, decimal_places=2)
    spend_max_amount = forms.DecimalField(label=_("Spend: at most"), required=False, decimal_places=2)
    last_visit_days_min = _number(_("Days since the last visit: at least"))
    last_visit_days_max = _number(_("Days since the last visit: at most"))
    rfm_classes = forms.MultipleChoiceField(
        label=_("RFM classes"),
        choices=[(code, name) for code, name, _definition in SEGMENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Over the visits of the last 365 days, as on the analytics page."),
    )
    birthday_month = forms.TypedChoiceField(
        label=_("Birthday month"), choices=MONTHS, coerce=int, empty_value=None, required=False
    )
    points_min = _number(_("Points balance: at least"))
    points_max = _number(_("Points balance: at most"))
    reachable_channels = forms.MultipleChoiceField(
        label=_("Reachable through any of"),
        choices=ConsentChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Consent given and not withdrawn, and the contact known."),
    )

    def __init__(self, data: Any = None, *, access: ChainAccess, segment: Segment | None = None) -> None:
        super().__init__(data, initial=self._initial(segment) if segment is not None else None)
        self.fields["home_restaurant_ids"].queryset = visible_restaurants(access).order_by("name", "id")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField

    @staticmethod
    def _initial(segment: Segment) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": segment.name, "description": segment.description, **segment.filters}
        initial["tags"] = ", ".join(segment.filters.get("tags", []))
        return initial

    def filters(self) -> dict[str, Any]:
        """The filters as campaigns.rules reads them (only after is_valid)."""
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        for name in self.fields:
            if name in ("name", "description"):
                continue
            value = data.get(name)
            if name in ("level_ids", "home_restaurant_ids"):
                value = [item.pk for item in value or []]
            elif name == "tags":
                value = [tag.strip() for tag in (value or "").split(",") if tag.strip()]
            elif isinstance(value, Decimal):
                value = str(value)
            if value not in (None, "", []):
                filters[name] = value
        return filters

    def segment_fields(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "filters": self.filters(),
        }

    def add_refusal(self, error: DomainError) -> None:
        """The service's refusal on the field it names (`filters.visits_min` is this form's `visits_min`)."""
        add_refusal(self, error, prefix="filters.")


class CampaignForm(forms.Form):
    """A campaign's fields as the owner writes them; campaigns.services judges them (texts, segment, promo code)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.none())
    channels = forms.MultipleChoiceField(
        label=_("Channels allowed"),
        choices=CampaignChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=CampaignChannel.values,
    )
    telegram_text = forms.CharField(label=_("Telegram text"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    email_subject = forms.CharField(label=_("Email subject"), required=False, max_length=200)
    email_text = forms.CharField(label=_("Email text"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    email_html = forms.CharField(
        label=_("Email HTML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Empty: made from the text."),
    )
    sms_text = forms.CharField(label=_("SMS text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    bonus_points = forms.IntegerField(label=_("Bonus points for each treated guest"), min_value=0, initial=0)
    promo_code = forms.ModelChoiceField(
        label=_("Promo code"), queryset=PromoCode.objects.filter(is_active=True), required=False
    )
    send_at = forms.DateTimeField(
        label=_("Send at (the chain's time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: sent when you press Send."),
    )
    holdout_percent = forms.IntegerField(
        # xgettext:no-python-format
        label=_("Control group, % of the segment"),
        min_value=0,
        max_value=90,
        initial=10,
        help_text=_("They receive nothing; the results compare them with the others."),
    )

    def __init__(self, data: Any = None, *, segments: Any, campaign: Campaign | None = None) -> None:
        initial = None
        if campaign is not None:
            initial = {field: getattr(campaign, field) for field in CAMPAIGN_FORM_FIELDS}
        super().__init__(data, initial=initial)
        self.fields["segment"].queryset = segments  # type: ignore[attr-defined]  # a ModelChoiceField, typed as Field

    def campaign_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["segment"] = data["segment"].pk
        data["promo_code"] = data["promo_code"].pk if data["promo_code"] is not None else None
        return data

    def add_refusal(self, error: DomainError) -> None:
        add_refusal(self, error)


CAMPAIGN_FORM_FIELDS = (
    "name",
    "segment",
    "channels",
    "telegram_text",
    "email_subject",
    "email_text",
    "email_html",
    "sms_text",
    "bonus_points",
    "promo_code",
    "send_at",
    "holdout_percent",
)
