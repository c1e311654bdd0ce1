"""The database's check constraints asked before a write, as field errors: input that would break one is refused
with 400 and a message on the field the rule is about, not a 500 from PostgreSQL."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Model, Q
from django.utils.translation import gettext as _

_COMPARISONS = {
    "gt": lambda limit: _("Must be greater than %(limit)s.") % {"limit": limit},
    "gte": lambda limit: _("Must be at least %(limit)s.") % {"limit": limit},
    "lt": lambda limit: _("Must be less than %(limit)s.") % {"limit": limit},
    "lte": lambda limit: _("Must be at most %(limit)s.") % {"limit": limit},
}


def _named_fields(condition: Q) -> list[tuple[str, str | None]]:
    """(field, message) for each comparison of a field with a constant in the condition."""
    named = []
    for child in condition.children:
        if isinstance(child, Q):
            named += _named_fields(child)
            continue
        lookup, value = child
        field, _separator, comparison = lookup.partition("__")
        describe = _COMPARISONS.get(comparison)
        named.append((field, describe(value) if describe and isinstance(value, int | float) else None))
    return named


def check_constraint_errors(instance: Model) -> dict[str, list[str]]:
    """The check constraints of the instance's model that its values break, keyed by the field each is about."""
    errors: dict[str, list[str]] = {}
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            constraint.validate(type(instance), instance)
        except ValidationError:
            fields = _named_fields(constraint.condition) or [(NON_FIELD_ERRORS, None)]
            for field, message in fields:
                errors.setdefault(field, []).append(message or _("This value is not allowed."))
    return errors
