"""Refusals of the tenants app (sign-up, chain creation, demo data), each with its code, status and message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError, ValidationFailed


class SignupRateLimited(DomainError):
    code, status, message = (
        "signup_rate_limited",
        429,
        _("Too many sign-ups from here. Please try again in an hour."),
    )


class ConfirmationResendTooSoon(DomainError):
    code, status, message = (
        "resend_too_soon",
        429,
        _("An email was sent a moment ago. Please wait a minute before asking for another one."),
    )


class SignupLinkInvalid(DomainError):
    code, status, message = (
        "signup_link_invalid",
        404,
        _("This confirmation link is not valid. If you asked for a new email, use the link in the newest one."),
    )


class SignupLinkExpired(DomainError):
    code, status, message = (
        "signup_link_expired",
        410,
        _("This confirmation link has expired and the sign-up was cancelled. Please sign up again."),
    )


class SignupAlreadyConfirmed(DomainError):
    code, status, message = (
        "signup_already_confirmed",
        410,
        _("This sign-up is already confirmed. Sign in to open your chain."),
    )


class SignupPasswordMismatch(ValidationFailed):
    code, message = "signup_password_mismatch", _("This is not the password chosen at sign-up.")


class ChainSchemaNotCreated(Conflict):
    code, message = "schema_not_created", _("The chain's database could not be created. Nothing was saved; try again.")


class DemoDataNotAllowed(Exception):
    """Demo data (with its well-known password) is refused outside development; the command prints why."""


class ChainTransferRefused(Conflict):
    """A chain export or import that cannot be done (the slug exists here, not an export file, pg_dump failed)."""

    code, message = "chain_transfer_refused", _("The chain cannot be exported or imported.")


class SampleDataRefused(Conflict):
    code, status, message = (
        "sample_data_refused",
        409,
        _("Your chain already has real checks: sample data is only for exploring a chain before they arrive."),
    )


class SampleDataAlreadyOn(Conflict):
    code, status, message = ("sample_data_on", 409, _("Sample data is already on."))
