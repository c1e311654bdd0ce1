"""Who sees guests' contacts whole, and how the others see them: the one rule, for every door.

A role with Permission.VIEW_GUEST_CONTACTS sees phones and emails whole; every other viewer sees them masked
(`+79161234567` → `+7 916 ***-**-67`, `ivan@mail.ru` → `i***@mail.ru`) wherever a guest's contact is shown: the
guest API and pages (detail, lists, search results), the till, the exports and the payloads of POS receipts.
Everything that shows a contact asks `contact_view(access)` (or mask_contact, its shortcut for one value).
Search follows the same rule (guests.conditions.search_condition): a viewer who sees masks finds a guest only by
a whole phone number, card number or email, so a search box cannot recover the hidden digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import phonenumbers

from accounts.roles import Permission

if TYPE_CHECKING:
    from accounts.access import ChainAccess

ContactKind = Literal["phone", "email"]

# Keys of a POS's own check format that hold a contact (iiko: "phone"; R-Keeper: "Phone", "EMail"; ours: "phone").
_PHONE_KEY = re.compile(r"phone|mobile|^tel$", re.IGNORECASE)
_EMAIL_KEY = re.compile(r"e-?mail", re.IGNORECASE)
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d\s().\-]{8,}\d")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass(frozen=True)
class ContactView:
    """How one viewer sees guests' contacts; `sees_contacts` False means masked everywhere."""

    sees_contacts: bool

    def phone(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.sees_contacts else _masked_phone(value)

    def email(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.sees_contacts else _masked_email(value)

    def contact(self, value: str | None, kind: ContactKind) -> str:
        return self.phone(value) if kind == "phone" else self.email(value)

    def payload(self, data: Any) -> Any:
        """A stored document (a POS receipt's payload as received) with every contact in it masked: values under
        phone or email keys, and any email address or phone-like run of digits inside a text."""
        if self.sees_contacts:
            return data
        return _masked_document(data, key="")


def contact_view(access: ChainAccess | None) -> ContactView:
    """The viewer's view of contacts. None (no staff member) sees masks: the system never needs to show them."""
    return ContactView(sees_contacts=access is not None and access.can(Permission.VIEW_GUEST_CONTACTS))


def mask_contact(value: str | None, *, kind: ContactKind, access: ChainAccess | None) -> str:
    """The contact as this viewer may see it: whole with VIEW_GUEST_CONTACTS, masked otherwise ("" stays "")."""
    return contact_view(access).contact(value, kind)


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


def _masked_text(text: str) -> str:
    text = _EMAIL_IN_TEXT.sub(lambda match: _masked_email(match.group()), text)
    return _PHONE_IN_TEXT.sub(_masked_phone_match, text)


def _masked_phone_match(match: re.Match[str]) -> str:
    """A phone-like run inside a text: 10 to 15 digits, and not a date (2026-12-06 12:00 is not a phone)."""
    found = match.group()
    digits = sum(char.isdigit() for char in found)
    if not 10 <= digits <= 15 or _DATE.match(found):
        return found
    return _masked_phone(found)


def _masked_document(value: Any, *, key: str) -> Any:
    if isinstance(value, Mapping):
        return {name: _masked_document(item, key=str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_document(item, key=key) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if _PHONE_KEY.search(key) and isinstance(value, str | int):
        return _masked_phone(str(value))
    if _EMAIL_KEY.search(key) and isinstance(value, str):
        return _masked_email(value)
    if isinstance(value, str):
        return _masked_text(value)
    return value
