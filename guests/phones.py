"""Phone numbers: every spelling a person types becomes one E.164 string (the `phonenumbers` library).

The region used for numbers written without a country code comes from the chain: its currency names its
country (RUB → RU, so `8 (916) 123-45-67` and `9161234567` both mean +79161234567). Override it per
currency with settings.PHONE_REGION_BY_CURRENCY or for every chain with settings.PHONE_DEFAULT_REGION.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from guests.errors import MalformedPhone
from maxloyalty.current_schema import current_schema_name, current_tenant

REGION_BY_CURRENCY = {"RUB": "RU", "KZT": "KZ", "BYN": "BY", "USD": "US", "EUR": "DE"}
FALLBACK_REGION = "RU"

_region_by_schema: dict[str, str] = {}


def chain_phone_region() -> str:
    """The default region of the chain whose schema is active (cached per process: a chain's currency is fixed)."""
    forced = getattr(settings, "PHONE_DEFAULT_REGION", "")
    if forced:
        return str(forced)
    schema = current_schema_name()
    if schema not in _region_by_schema:
        currency = getattr(current_tenant(), "currency", None)
        if currency is None:
            from tenants.models import Chain

            currency = Chain.objects.filter(schema_name=schema).values_list("currency", flat=True).first()
        by_currency = {**REGION_BY_CURRENCY, **getattr(settings, "PHONE_REGION_BY_CURRENCY", {})}
        _region_by_schema[schema] = by_currency.get(currency or "", FALLBACK_REGION)
    return _region_by_schema[schema]


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number typed in any common way; MalformedPhone (422) when it is not a real number."""
    text = (raw or "").strip()
    if not text:
        raise MalformedPhone(_("Enter a phone number."), fields={"phone": [str(_("Enter a phone number."))]})
    if text.startswith("00"):  # international prefix typed instead of "+"
        text = "+" + text[2:]
    try:
        return _e164(text, region or chain_phone_region())
    except phonenumbers.NumberParseException as error:
        message = _("“%(phone)s” is not a phone number.") % {"phone": raw}
        raise MalformedPhone(message, fields={"phone": [str(message)]}) from error
    except _NotValid:
        message = _("“%(phone)s” is not a valid phone number: check the number of digits and the code.") % {
            "phone": raw
        }
        raise MalformedPhone(message, fields={"phone": [str(message)]}) from None


class _NotValid(ValueError):
    pass


@functools.lru_cache(maxsize=8192)
def _e164(text: str, region: str) -> str:
    """Parsing is the costly part of every check from the POS; regular guests' numbers come again and again.
    (A refusal raises and is not cached.)"""
    number = phonenumbers.parse(text, region)
    if not phonenumbers.is_valid_number(number):
        raise _NotValid(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")


def looks_like_phone(text: str) -> bool:
    """Digits with the usual separators (spaces, brackets, dashes, dots) and at least 7 digits."""
    return bool(_PHONE_LIKE.match(text.strip())) and sum(char.isdigit() for char in text) >= 7


def digits_of(text: str) -> str:
    return "".join(char for char in text if char.isdigit())
