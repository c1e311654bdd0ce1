"""A program draft's JSON and the snapshots it stands for (loyalty.rules): to and from, with its validation. Pure.

The JSON has the snapshots' shape: {"program": {the settings a draft may change}, "levels": [...], "promos": [...]};
money and rates as strings, dates and times in ISO form. A level or promo keeps the id of the row it edits; a new
one has none, or a negative id of the draft's choosing that its promos' level_ids may name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from loyalty.backtest_rules import ProgramVersion
from loyalty.rules import LevelSnapshot, ProgramSnapshot, PromoSnapshot

ROUNDINGS = ("down", "half_up", "up")
EARN_BASES = ("paid_amount", "after_discounts", "before_discounts")
THRESHOLD_MODES = ("lifetime", "rolling")
COMBINATIONS = ("best_of", "stackable")
HUNDRED = Decimal(100)


class DraftInvalid(ValueError):
    """The draft's JSON breaks a rule: `fields` maps a path ("levels.0.name") to its messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


def _decimal(low: Decimal | None = None, high: Decimal | None = None, *, above: bool = False) -> Callable[[Any], Any]:
    def parse(value: Any) -> Decimal:
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError) as error:
            raise ValueError(_("Enter a number.")) from error
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        if low is not None and (number <= low if above else number < low):
            raise ValueError(_("The number is too small."))
        if high is not None and number > high:
            raise ValueError(_("The number is too large."))
        return number

    return parse


def _integer(low: int = 0) -> Callable[[Any], Any]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(_("Enter a whole number."))
        try:
            number = int(value)
        except ValueError as error:
            raise ValueError(_("Enter a whole number.")) from error
        if number < low:
            raise ValueError(_("The number is too small."))
        return number

    return parse


def _choice(options: tuple[str, ...]) -> Callable[[Any], Any]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(_("Choose one of: %(options)s.") % {"options": ", ".join(options)})
        return str(value)

    return parse


def _texts(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(_("Give a list of texts."))
    return frozenset(item.strip() for item in value if item.strip())


PERCENT = _decimal(Decimal(0), HUNDRED)
# The settings a draft may change, and how each is read.
PROGRAM_FIELDS: dict[str, Callable[[Any], Any]] = {
    "base_earn_rate_percent": PERCENT,
    "rounding": _choice(ROUNDINGS),
    "earn_base": _choice(EARN_BASES),
    "excluded_categories": _texts,
    "min_redeem_points": _integer(),
    "max_redeem_share_percent": PERCENT,
    "point_value_amount": _decimal(Decimal(0), above=True),
    "activation_delay_hours": _integer(),
    "expiry_days": _integer(),
    "level_threshold_mode": _choice(THRESHOLD_MODES),
    "level_rolling_days": _integer(1),
}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def version_data(version: ProgramVersion) -> dict[str, Any]:
    """The draft JSON of a program (the current one, as a new draft starts from it)."""
    program = version.program
    return {
        "program": {name: _json_value(getattr(program, name)) for name in PROGRAM_FIELDS},
        "levels": [
            {
                "id": level.id,
                "name": level.name,
                "threshold_amount": _json_value(level.threshold_amount),
                "earn_rate_percent": _json_value(level.earn_rate_percent),
                "redemption_cap_percent": _json_value(level.redemption_cap_percent),
            }
            for level in version.levels
        ],
        "promos": [
            {
                "id": promo.id,
                "name": promo.name,
                "multiplier": _json_value(promo.multiplier),
                "bonus_points": promo.bonus_points,
                "combination": promo.combination,
                "starts_on": _json_value(promo.starts_on),
                "ends_on": _json_value(promo.ends_on),
                "weekdays": sorted(promo.weekdays),
                "starts_at_time": _json_value(promo.starts_at_time),
                "ends_at_time": _json_value(promo.ends_at_time),
                "restaurant_ids": sorted(promo.restaurant_ids),
                "level_ids": sorted(promo.level_ids),
                "guest_tags": sorted(promo.guest_tags),
                "categories": sorted(promo.categories),
                "requires_code": promo.codes is not None,
            }
            for promo in version.promos
        ],
    }


class _Reader:
    """Reads fields of one part of the draft, collecting every problem under its path."""

    def __init__(self, errors: dict[str, list[str]], path: str, data: Any) -> None:
        self.errors, self.path = errors, path
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        if not isinstance(data, Mapping):
            errors.setdefault(path, []).append(_("Give an object."))

    def read(self, name: str, parse: Callable[[Any], Any], default: Any = None, *, optional: bool = False) -> Any:
        value = self.data.get(name, default)
        if value is None or value == "":
            if optional:
                return None
            if default is not None:
                return default
            self.errors.setdefault(f"{self.path}.{name}", []).append(_("This field is required."))
            return None
        try:
            return parse(value)
        except ValueError as error:
            self.errors.setdefault(f"{self.path}.{name}", []).append(str(error.args[0] if error.args else error))
            return None


def _name(longest: int) -> Callable[[Any], Any]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(_("Enter a name."))
        if len(value.strip()) > longest:
            raise ValueError(_("At most %(count)d characters.") % {"count": longest})
        return value.strip()

    return parse


def _optional_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("Enter a whole number."))
    return value


def _date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(_("Enter a date (YYYY-MM-DD).")) from error


def _time(value: Any) -> datetime.time:
    try:
        return datetime.time.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(_("Enter a time (HH:MM).")) from error


def _ids(value: Any) -> frozenset[int]:
    if not isinstance(value, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        raise ValueError(_("Give a list of ids."))
    return frozenset(value)


def _weekdays(value: Any) -> frozenset[int]:
    days = _ids(value)
    if not days <= set(range(1, 8)):
        raise ValueError(_("Weekdays are 1 (Monday) to 7 (Sunday)."))
    return days


def draft_version(data: Any, *, base: ProgramSnapshot | None = None) -> ProgramVersion:
    """The ProgramVersion a draft's JSON stands for (settings it leaves out keep `base`'s values); DraftInvalid
    names every problem."""
    errors: dict[str, list[str]] = {}
    root = _Reader(errors, "draft", data)
    base = base or ProgramSnapshot()
    program_part = _Reader(errors, "program", root.data.get("program", {}))
    program_values = {
        name: program_part.read(name, parse, default=getattr(base, name)) for name, parse in PROGRAM_FIELDS.items()
    }
    levels: list[LevelSnapshot] = []
    raw_levels = root.data.get("levels", [])
    if not isinstance(raw_levels, list):
        errors["levels"] = [_("Give a list.")]
        raw_levels = []
    for index, raw in enumerate(raw_levels):
        part = _Reader(errors, f"levels.{index}", raw)
        level_id = part.read("id", _optional_id, optional=True)
        levels.append(
            LevelSnapshot(
                id=level_id if level_id is not None else -(index + 1),
                name=part.read("name", _name(100)) or "",
                threshold_amount=part.read("threshold_amount", _decimal(Decimal(0)), default=Decimal(0)),
                earn_rate_percent=part.read("earn_rate_percent", PERCENT) or Decimal(0),
                redemption_cap_percent=part.read("redemption_cap_percent", PERCENT, optional=True),
            )
        )
    for label in ("name", "threshold_amount"):
        seen: set[Any] = set()
        for index, level in enumerate(levels):
            value = getattr(level, label)
            if value in seen:
                errors.setdefault(f"levels.{index}.{label}", []).append(_("Two levels have the same value."))
            seen.add(value)
    if len({level.id for level in levels}) != len(levels):
        errors.setdefault("levels", []).append(_("Two levels have the same id."))
    level_ids = {level.id for level in levels}

    promos: list[PromoSnapshot] = []
    raw_promos = root.data.get("promos", [])
    if not isinstance(raw_promos, list):
        errors["promos"] = [_("Give a list.")]
        raw_promos = []
    for index, raw in enumerate(raw_promos):
        part = _Reader(errors, f"promos.{index}", raw)
        promo_id = part.read("id", _optional_id, optional=True)
        multiplier = part.read("multiplier", _decimal(Decimal(0)), optional=True)
        bonus_points = part.read("bonus_points", _integer(), default=0) or 0
        if not ((multiplier is not None and multiplier > 1) or bonus_points > 0):
            errors.setdefault(f"promos.{index}.multiplier", []).append(_("Give a multiplier above 1 or a fixed bonus."))
        starts_on = part.read("starts_on", _date, optional=True)
        ends_on = part.read("ends_on", _date, optional=True)
        if starts_on and ends_on and ends_on < starts_on:
            errors.setdefault(f"promos.{index}.ends_on", []).append(_("The last day is before the first day."))
        promo_levels = part.read("level_ids", _ids, default=[]) or frozenset()
        if not promo_levels <= level_ids:
            errors.setdefault(f"promos.{index}.level_ids", []).append(_("Unknown level."))
        promos.append(
            PromoSnapshot(
                id=promo_id if promo_id is not None else -(index + 1),
                name=part.read("name", _name(200)) or "",
                multiplier=multiplier,
                bonus_points=bonus_points,
                combination=part.read("combination", _choice(COMBINATIONS), default="best_of"),
                starts_on=starts_on,
                ends_on=ends_on,
                weekdays=part.read("weekdays", _weekdays, default=[]) or frozenset(),
                starts_at_time=part.read("starts_at_time", _time, optional=True),
                ends_at_time=part.read("ends_at_time", _time, optional=True),
                restaurant_ids=part.read("restaurant_ids", _ids, default=[]) or frozenset(),
                level_ids=promo_levels,
                guest_tags=part.read("guest_tags", _texts, default=[]) or frozenset(),
                categories=part.read("categories", _texts, default=[]) or frozenset(),
                codes=frozenset() if part.read("requires_code", _flag, default=False) else None,
            )
        )
    if len({promo.id for promo in promos}) != len(promos):
        errors.setdefault("promos", []).append(_("Two promos have the same id."))
    if errors:
        raise DraftInvalid(errors)
    program = ProgramSnapshot(**{**_snapshot_values(base), **program_values})
    return ProgramVersion(
        program=program,
        levels=tuple(sorted(levels, key=lambda level: (level.threshold_amount, level.id))),
        promos=tuple(promos),
    )


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Give true or false."))
    return value


def _snapshot_values(program: ProgramSnapshot) -> dict[str, Any]:
    return {name: getattr(program, name) for name in ProgramSnapshot.__dataclass_fields__}
