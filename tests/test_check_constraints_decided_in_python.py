"""maxloyalty.constraints decides the project's check constraints in Python; PostgreSQL must agree on every one,
for values on either side of each limit and NULLs (a differential test of the fast path)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CheckConstraint, F, Q

from maxloyalty.constraints import _holds, _Undecided
from tests.project_apps import project_app_labels


def _fields_of(condition: Q) -> set[str]:
    names: set[str] = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _fields_of(child)
            continue
        lookup, value = child
        names.add(lookup.split("__")[0])
        if isinstance(value, F):
            names.add(value.name)
    return names


def _candidates(field: models.Field) -> list[object]:
    if isinstance(field, models.DecimalField):
        values: list[object] = [Decimal("-1"), Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2")]
    elif isinstance(field, models.DateTimeField):
        values = [dt.datetime(2026, 1, day, tzinfo=dt.UTC) for day in (1, 2)]
    elif isinstance(field, models.DateField):
        values = [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    elif isinstance(field, models.IntegerField | models.ForeignKey):
        values = [-1, 0, 1, 2, 5]
    elif isinstance(field, models.CharField | models.TextField):
        values = ["", "reversal", "accrual"]
    else:
        values = [None]
    return [*values, None] if field.null else values


def _cases() -> list[tuple[type[models.Model], CheckConstraint]]:
    return [
        (model, constraint)
        for model in apps.get_models()
        if model._meta.app_label in project_app_labels()
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint)
    ]


@pytest.mark.parametrize(("model", "constraint"), _cases(), ids=lambda value: getattr(value, "name", ""))
def test_python_and_postgresql_agree_on_the_constraint(db, model, constraint):
    fields = [model._meta.get_field(name) for name in sorted(_fields_of(constraint.condition))]
    decided = 0
    for values in itertools.islice(itertools.product(*(_candidates(field) for field in fields)), 400):
        instance = model()
        for field, value in zip(fields, values, strict=True):
            setattr(instance, field.attname, value)
        try:
            in_python = _holds(instance, constraint.condition) is False
        except _Undecided:
            continue
        try:
            constraint.validate(model, instance)
            in_database = False
        except ValidationError:
            in_database = True
        assert in_python == in_database, (constraint.name, dict(zip([f.name for f in fields], values, strict=True)))
        decided += 1
    assert decided > 0  # every constraint of the project is decided in Python today
