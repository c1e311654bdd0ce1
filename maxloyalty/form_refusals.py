"""A service's refusal (maxloyalty.errors.DomainError) shown on a page's form: each message on the field it names,
the rest (and a refusal naming no field) above the form."""

from __future__ import annotations

from django import forms

from maxloyalty.errors import DomainError


def add_refusal(form: forms.Form, error: DomainError, *, prefix: str = "") -> None:
    """`prefix` is what the service puts before this form's field names (`filters.` for a segment's filters)."""
    for key, messages in error.fields.items():
        field = key.removeprefix(prefix)
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(field if field in form.fields else None, str(message))
    if not error.fields:
        form.add_error(None, str(error.message))
