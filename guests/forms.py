"""Forms of the guest pages: list filters, bulk tagging, import upload, profile edit, points adjustment, erasure."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from guests.masking import contact_view
from guests.models import Gender, GuestStatus
from loyalty.models import Level
from maxloyalty.whole_numbers import whole_number
from restaurants.models import Restaurant

SORT_CHOICES = [
    ("-created_at", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("-last_visit_at", _("Last visit: recent first")),
    ("last_visit_at", _("Last visit: longest ago first")),
    ("last_name", _("Last name A–Z")),
    ("-last_name", _("Last name Z–A")),
]
MONTH_CHOICES = [("", _("Any month"))] + [(str(number), str(number)) for number in range(1, 13)]


def restaurants_for(access: ChainAccess) -> Any:
    return access.limit_to_restaurants(Restaurant.objects.order_by("name"), field="pk")


class GuestFilterForm(forms.Form):
    """The list's search and filters; the names are those of guests.filters.GuestFilter (the selector reads them)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Phone, name, card or email"), "type": "search"}),
    )
    level = forms.ChoiceField(label=_("Level"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))]
        + [(value, label) for value, label in GuestStatus.choices if value != GuestStatus.ERASED],
    )
    last_visit_from = forms.DateField(
        label=_("Last visit from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_visit_to = forms.DateField(
        label=_("Last visit to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birthday_month = forms.ChoiceField(label=_("Birthday month"), required=False, choices=MONTH_CHOICES)
    home_restaurant = forms.ChoiceField(label=_("Home restaurant"), required=False)
    ordering = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, access: ChainAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = Level.objects.order_by("threshold_amount").values_list("pk", "name")
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            ("", _("Any level")),
            *((str(pk), name) for pk, name in levels),
        ]
        restaurants = restaurants_for(access).values_list("pk", "name")
        cast(forms.ChoiceField, self.fields["home_restaurant"]).choices = [
            ("", _("Any restaurant")),
            *((str(pk), name) for pk, name in restaurants),
        ]

    def params(self) -> dict[str, Any]:
        """What the user asked for, as the selector's filter parameters (empty values left out)."""
        return {key: value for key, value in self.data.items() if key in self.fields and value not in ("", None)}


class GuestIdsField(forms.Field):
    """The ticked rows of the list (checkboxes named guest_ids); which of them may be changed is the selector's call."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        return [number for item in value or [] if (number := whole_number(item, default=None)) is not None]

    def validate(self, value: list[int]) -> None:
        if not value:
            raise forms.ValidationError(_("Select at least one guest."))


class BulkTagForm(forms.Form):
    ADD, REMOVE = "add", "remove"

    guest_ids = GuestIdsField(label=_("Guests"))
    tag = forms.CharField(label=_("Tag"), max_length=50)
    operation = forms.ChoiceField(label=_("Action"), choices=[(ADD, _("Add tag")), (REMOVE, _("Remove tag"))])


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a header row: phone (required), first_name, last_name, email, birthday, gender, "
            "language, tags, card_number, note, sms_consent, email_consent, telegram_consent."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class GuestEditForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=32)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices])
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."), max_length=1000)
    card_number = forms.CharField(label=_("Card number"), max_length=40, required=False)
    home_restaurant = forms.ChoiceField(label=_("Home restaurant"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, access: ChainAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restaurants = restaurants_for(access).values_list("pk", "name")
        cast(forms.ChoiceField, self.fields["home_restaurant"]).choices = [
            ("", "—"),
            *((str(pk), name) for pk, name in restaurants),
        ]
        contacts = contact_view(access)
        if not contacts.sees_contacts:  # shown masked and left as they are: this viewer may not see them whole
            for name in ("phone", "email"):
                self.fields[name].disabled = True
                self.fields[name].required = False
                self.initial[name] = contacts.contact(self.initial.get(name), name)

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def clean_home_restaurant(self) -> int | None:
        value = self.cleaned_data["home_restaurant"]
        return int(value) if value else None

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["home_restaurant_id"] = data.pop("home_restaurant")
        for name in ("phone", "email"):
            if self.fields[name].disabled:
                data.pop(name, None)
        return data

    @staticmethod
    def initial_for(guest: Any) -> dict[str, Any]:
        return {
            "phone": guest.phone,
            "first_name": guest.first_name,
            "last_name": guest.last_name,
            "email": guest.email,
            "birthday": guest.birthday,
            "gender": guest.gender,
            "language": guest.language,
            "tags": ", ".join(guest.tags),
            "card_number": guest.card_number,
            "home_restaurant": guest.home_restaurant_id or "",
            "note": guest.note,
        }


class AdjustPointsForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"), help_text=_("Positive to add, negative to take away."), widget=forms.NumberInput()
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput())
    operation_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("A non-zero whole number."))
        return int(points)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the points are adjusted."))
        return reason

    @staticmethod
    def new_key() -> str:
        return f"page-adjust-{uuid.uuid4()}"


class StatusReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        help_text=_("Kept in the audit log, e.g. the guest's request."),
    )
    confirm = forms.BooleanField(
        label=_("I understand the guest's personal data is removed for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
