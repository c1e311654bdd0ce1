"""What a saved segment's filters may say, pure: their names, kinds and limits, read from the stored JSON (or an
API body, or a form) into SegmentFilters, every mistake named under `filters.<name>`.

1. Every filter is optional; no filter at all means every guest the viewer may see.
2. Lists mean "any of": a guest on one of the levels, with one of the tags, at one of the home restaurants, in one
   of the RFM classes, reachable through one of the channels.
3. Ranges have a minimum, a maximum or both (min ≤ max). Visits and spend count over the last `*_days` days (today
   and the days before it, in the chain's time zone); days without a minimum or a maximum say nothing.
4. Days since the last visit count calendar days in the chain's time zone (0: visited today); a guest who never
   visited matches no such range.
5. Money is the chain's currency, at most two decimal places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from analytics.rules import SEGMENT_CODES
from guests.models import ConsentChannel
from maxloyalty.errors import ValidationFailed

MAX_DAYS = 3650
MAX_COUNT = 1_000_000
MAX_POINTS = 1_000_000_000
MAX_AMOUNT = Decimal("9999999999.99")
MAX_LIST = 100
MAX_TAG_LENGTH = 50

# The pairs that make a range: (minimum, maximum, the days they count over or None).
RANGES = (
    ("visits_min", "visits_max", "visits_days"),
    ("spend_min_amount", "spend_max_amount", "spend_days"),
    ("last_visit_days_min", "last_visit_days_max", None),
    ("points_min", "points_max", None),
)


@dataclass(frozen=True)
class SegmentFilters:
    level_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    home_restaurant_ids: tuple[int, ...] = ()
    visits_days: int | None = None
    visits_min: int | None = None
    visits_max: int | None = None
    spend_days: int | None = None
    spend_min_amount: Decimal | None = None
    spend_max_amount: Decimal | None = None
    last_visit_days_min: int | None = None
    last_visit_days_max: int | None = None
    rfm_classes: tuple[str, ...] = ()
    birthday_month: int | None = None
    points_min: int | None = None
    points_max: int | None = None
    reachable_channels: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The filters that say something, as stored: lists, numbers, money as a string."""
        stored: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or value == ():
                continue
            stored[field.name] = (
                list(value) if isinstance(value, tuple) else str(value) if isinstance(value, Decimal) else value
            )
        return stored

    @property
    def is_empty(self) -> bool:
        return not self.as_json()


FILTER_NAMES = tuple(field.name for field in dataclasses.fields(SegmentFilters))


class _Reader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(f"filters.{name}", []).append(message)

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, _("Give a whole number."))
            return None
        if not low <= value <= high:
            self.fail(name, _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high})
            return None
        return value

    def amount(self, name: str) -> Decimal | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            amount = Decimal(str(value)) if not isinstance(value, bool | float) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.fail(name, _("Give an amount of money, such as 1500.00."))
            return None
        if amount < 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            self.fail(name, _("Give an amount from 0 with at most two decimal places."))
            return None
        return amount.quantize(Decimal("0.01"))

    def items(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if not isinstance(value, list | tuple):
            self.fail(name, _("Give a list."))
            return []
        if len(value) > MAX_LIST:
            self.fail(name, _("Give at most %(n)s items.") % {"n": MAX_LIST})
            return []
        return list(value)

    def ids(self, name: str) -> tuple[int, ...]:
        found = []
        for item in self.items(name):
            if isinstance(item, str) and item.isdigit():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                self.fail(name, _("Give ids: whole numbers from 1."))
                return ()
            found.append(item)
        return tuple(sorted(set(found)))

    def choices(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        found = []
        for item in self.items(name):
            if item not in allowed:
                self.fail(
                    name,
                    _("Unknown value “%(value)s”; choose from: %(allowed)s.")
                    % {"value": item, "allowed": ", ".join(allowed)},
                )
                return ()
            found.append(str(item))
        return tuple(value for value in allowed if value in found)

    def tags(self, name: str) -> tuple[str, ...]:
        found: list[str] = []
        for item in self.items(name):
            if not isinstance(item, str) or not item.strip() or len(item.strip()) > MAX_TAG_LENGTH:
                self.fail(name, _("Each tag is a text of 1 to %(n)s characters.") % {"n": MAX_TAG_LENGTH})
                return ()
            if item.strip() not in found:
                found.append(item.strip())
        return tuple(found)


def parse_filters(data: Any) -> SegmentFilters:
    """The filters in `data` (a JSON object), checked; ValidationFailed (422) naming each wrong filter."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed(fields={"filters": [_("Give the filters as an object.")]})
    reader = _Reader(data)
    for name in data:
        if name not in FILTER_NAMES:
            reader.fail(str(name), _("Unknown filter."))
    filters = SegmentFilters(
        level_ids=reader.ids("level_ids"),
        tags=reader.tags("tags"),
        home_restaurant_ids=reader.ids("home_restaurant_ids"),
        visits_days=reader.integer("visits_days", 1, MAX_DAYS),
        visits_min=reader.integer("visits_min", 0, MAX_COUNT),
        visits_max=reader.integer("visits_max", 0, MAX_COUNT),
        spend_days=reader.integer("spend_days", 1, MAX_DAYS),
        spend_min_amount=reader.amount("spend_min_amount"),
        spend_max_amount=reader.amount("spend_max_amount"),
        last_visit_days_min=reader.integer("last_visit_days_min", 0, MAX_DAYS),
        last_visit_days_max=reader.integer("last_visit_days_max", 0, MAX_DAYS),
        rfm_classes=reader.choices("rfm_classes", SEGMENT_CODES),
        birthday_month=reader.integer("birthday_month", 1, 12),
        points_min=reader.integer("points_min", 0, MAX_POINTS),
        points_max=reader.integer("points_max", 0, MAX_POINTS),
        reachable_channels=reader.choices("reachable_channels", tuple(ConsentChannel.values)),
    )
    changes: dict[str, Any] = {}
    for low_name, high_name, days_name in RANGES:
        low, high = getattr(filters, low_name), getattr(filters, high_name)
        if low is not None and high is not None and low > high:
            reader.fail(high_name, _("The maximum is below the minimum."))
        if days_name is None:
            continue
        if low is None and high is None:
            changes[days_name] = None  # days alone say nothing (rule 3)
        elif getattr(filters, days_name) is None and f"filters.{days_name}" not in reader.errors:
            reader.fail(days_name, _("Say over how many days to count."))
    if reader.errors:
        raise ValidationFailed(fields=reader.errors)
    return dataclasses.replace(filters, **changes)
