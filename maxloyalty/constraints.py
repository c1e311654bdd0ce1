"""The database's check constraints asked before a write, as field errors: input that would break one is refused
with 400 and a message on the field the rule is about, not a 500 from PostgreSQL.

Conditions made of comparisons of a field with a constant or another field (and AND, OR, NOT of them) are decided
here in Python, with SQL's three-valued logic (a comparison with NULL is unknown, and a CHECK passes unless its
condition is false), so a save costs no query; any other condition is asked of the database (Django's
CheckConstraint.validate, one query).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, F, Model, Q
from django.db.models.expressions import BaseExpression
from django.utils.translation import gettext as _

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_DESCRIBE = {
    "gt": lambda limit: _("Must be greater than %(limit)s.") % {"limit": limit},
    "gte": lambda limit: _("Must be at least %(limit)s.") % {"limit": limit},
    "lt": lambda limit: _("Must be less than %(limit)s.") % {"limit": limit},
    "lte": lambda limit: _("Must be at most %(limit)s.") % {"limit": limit},
}


class _Undecided(Exception):
    """A condition this module does not evaluate: the database decides it."""


def _value(instance: Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)  # type: ignore[union-attr]  # constraints name fields, not relations


def _comparison(instance: Model, lookup: str, expected: Any) -> bool | None:
    name, _separator, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind or (kind not in _COMPARE and kind != "isnull"):
        raise _Undecided
    actual = _value(instance, name)
    if kind == "isnull":
        return (actual is None) is bool(expected)
    if isinstance(expected, F):
        expected = _value(instance, expected.name)  # type: ignore[attr-defined]  # F keeps its name; not in stubs
    elif hasattr(expected, "resolve_expression"):
        raise _Undecided
    if actual is None or expected is None:
        return None  # SQL: unknown
    return _COMPARE[kind](actual, expected)


def _holds(instance: Model, condition: Q) -> bool | None:
    """True, False or None (unknown) as PostgreSQL would evaluate the condition on this row."""
    results = [
        _holds(instance, child) if isinstance(child, Q) else _comparison(instance, *child)  # type: ignore[misc]  # (lookup, value)
        for child in condition.children
    ]
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    return (None if result is None else not result) if condition.negated else result


def _is_violated(instance: Model, constraint: CheckConstraint) -> bool:
    try:
        if not isinstance(constraint.condition, Q):
            raise _Undecided  # an expression: the database decides
        return _holds(instance, constraint.condition) is False
    except (_Undecided, ValueError, TypeError, LookupError):
        try:
            constraint.validate(type(instance), instance)
        except ValidationError:
            return True
        return False


def _named_fields(condition: Q | BaseExpression) -> list[tuple[str, str | None]]:
    """(field, message) for each comparison of a field in the condition."""
    named: list[tuple[str, str | None]] = []
    if not isinstance(condition, Q):
        return named
    for child in condition.children:
        if isinstance(child, Q):
            named += _named_fields(child)
            continue
        lookup, value = child  # type: ignore[misc]  # a Q's other children are (lookup, value) pairs
        field, _separator, comparison = lookup.partition("__")
        describe = _DESCRIBE.get(comparison)
        named.append((field, describe(value) if describe and isinstance(value, int | float) else None))
    return named


def check_constraint_errors(instance: Model) -> dict[str, list[str]]:
    """The check constraints of the instance's model that its values break, keyed by the field each is about."""
    errors: dict[str, list[str]] = {}
    for constraint in instance._meta.constraints:
        if isinstance(constraint, CheckConstraint) and _is_violated(instance, constraint):
            for field, message in _named_fields(constraint.condition) or [(NON_FIELD_ERRORS, None)]:
                errors.setdefault(field, []).append(message or _("This value is not allowed."))
    return errors
