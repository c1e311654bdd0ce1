"""Masking of guests' contacts for roles that need not see them (cashiers): the one place that decides.

`+79161234567` → `+7 916 ***-**-67`, `ivan@mail.ru` → `i***@mail.ru`; roles with
Permission.VIEW_GUEST_CONTACTS see the values whole. API serializers, the export and pages call mask_contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import phonenumbers

from accounts.roles import Permission

if TYPE_CHECKING:
    from accounts.access import ChainAccess

ContactKind = Literal["phone", "email"]


def mask_contact(value: str | None, *, kind: ContactKind, access: ChainAccess | None) -> str:
    """The contact as this viewer may see it: whole with VIEW_GUEST_CONTACTS, masked otherwise ("" stays "")."""
    if not value:
        return ""
    if access is not None and access.can(Permission.VIEW_GUEST_CONTACTS):
        return value
    return _masked_phone(value) if kind == "phone" else _masked_email(value)


def _masked_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
        spelled = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        prefix = f"+{number.country_code}"
    except phonenumbers.NumberParseException:
        spelled, prefix = e164, ""
    national = spelled[len(prefix) :]
    digit_positions = [index for index, char in enumerate(national) if char.isdigit()]
    hidden = set(digit_positions[3:-2])  # keep the operator code and the last two digits
    return prefix + "".join("*" if index in hidden else char for index, char in enumerate(national))


def _masked_email(email: str) -> str:
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
