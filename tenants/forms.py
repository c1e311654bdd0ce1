"""The public sign-up form for a new restaurant chain."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from tenants.models import TIME_ZONE_CHOICES, Currency
from tenants.validators import LOGO_MAX_BYTES


class ChainSignupForm(forms.Form):
    name = forms.CharField(label=_("Chain name"), max_length=200)
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        help_text=_("Your chain's address: <slug>.%(domain)s") % {"domain": settings.PLATFORM_DOMAIN},
    )
    owner_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your email"))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(render_value=True))
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial=settings.DEFAULT_CHAIN_TIME_ZONE
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.RUB)
    default_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="ru")

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        return slug.strip().lower()


class ChainProfileForm(forms.Form):
    name = forms.CharField(label=_("Chain name"), max_length=200)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)


def _logo_help_text() -> str:
    # `%` on a lazy text would format it once, at import, in the default language.
    return _("PNG, JPEG or WebP, up to %(limit)s KB. Shown in the menu and in the Telegram Mini App.") % {
        "limit": LOGO_MAX_BYTES // 1024
    }


class ChainLogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=lazy(_logo_help_text, str)(),  # formatted when shown, in the viewer's language
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class SignupConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("The password you gave when signing up (or your existing account's password)."),
    )


class ChainCardColoursForm(forms.Form):
    """The loyalty card's colours in the phone's wallet; tenants.services.set_card_colours checks them."""

    card_background = forms.CharField(
        label=_("Card background"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    card_foreground = forms.CharField(
        label=_("Card text colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    card_label = forms.CharField(
        label=_("Card label colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("The small titles above the values (Points, Level)."),
    )
