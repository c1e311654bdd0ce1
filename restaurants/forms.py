"""The restaurant form of the restaurant pages: name, contacts, time zone, status and opening hours per weekday."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from restaurants.models import Restaurant, RestaurantStatus
from tenants.models import TIME_ZONE_CHOICES

WEEKDAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]


class RestaurantForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=RestaurantStatus.choices)
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, help_text=_("e.g. 55.7558")
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, help_text=_("e.g. 37.6173")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            ("", _("The chain's time zone")),
            *TIME_ZONE_CHOICES,
        ]
        for day, label in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, max_length=40, required=False, help_text=_("e.g. 10:00–23:00; empty: closed")
            )

    @staticmethod
    def initial_for(restaurant: Restaurant) -> dict[str, Any]:
        hours = restaurant.opening_hours if isinstance(restaurant.opening_hours, dict) else {}
        return {
            "name": restaurant.name,
            "address": restaurant.address,
            "phone": restaurant.phone,
            "time_zone": restaurant.time_zone,
            "status": restaurant.status,
            "latitude": restaurant.latitude,
            "longitude": restaurant.longitude,
            **{f"hours_{day}": hours.get(day, "") for day, _label in WEEKDAYS},
        }

    def restaurant_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        hours = {day: data[f"hours_{day}"].strip() for day, _label in WEEKDAYS if data.get(f"hours_{day}", "").strip()}
        return {
            "name": data["name"].strip(),
            "address": data["address"].strip(),
            "phone": data["phone"].strip(),
            "time_zone": data["time_zone"],
            "status": data["status"],
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "opening_hours": hours,
        }
