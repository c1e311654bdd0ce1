"""Refusals of the accounts app (sign-in, staff management, invitations), each with its code, status and message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from maxloyalty.errors import Conflict, DomainError, NotFound, PermissionDeniedError

# Sign-in


class InvalidCredentials(DomainError):
    code, status, message = "invalid_credentials", 401, _("Wrong email or password, or no access to this chain.")


def lock_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed attempts. Sign-in is locked for %(minutes)s minute.",
        "Too many failed attempts. Sign-in is locked for %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


class SignInLocked(DomainError):
    code, status, message = "login_locked", 429, _("Too many failed attempts. Sign-in is temporarily locked.")

    def __init__(self, *, seconds: int) -> None:
        super().__init__(lock_message(seconds), retry_after_seconds=seconds)
        self.seconds = seconds


class SessionNotFound(NotFound):
    code = "session_not_found"


class OnChainHostOnly(DomainError):
    code, status, message = "chain_host_required", 404, _("Sign in on your chain's address.")


class RefreshTokenMissing(DomainError):
    code, status, message = (
        "refresh_token_missing",
        400,
        _("Send the refresh token in the X-Refresh-Token header or the refresh cookie."),
    )


class RefreshTokenInvalid(DomainError):
    code, status, message = "token_not_valid", 401, _("The refresh token is invalid, expired or revoked.")


# Staff management


class RoleNotAssignable(PermissionDeniedError):
    code, message = "role_not_assignable", _("You cannot give or change this role.")


class AlreadyStaff(Conflict):
    code, message = "already_staff", _("This person already works for the chain.")


class LastOwner(Conflict):
    code, message = "last_owner", _("The chain must keep at least one active owner.")


class CannotChangeYourself(Conflict):
    code, message = "cannot_change_yourself", _("You cannot change or deactivate your own access.")


# Staff invitations


class InvitationInvalid(DomainError):
    code, status, message = (
        "invitation_invalid",
        404,
        _("This invitation link is not valid. If a newer invitation was sent, use the link in that one."),
    )


class InvitationExpired(DomainError):
    code, status, message = (
        "invitation_expired",
        410,
        _("This invitation has expired. Ask the chain's owner or administrator to invite you again."),
    )


class InvitationClosed(DomainError):
    code, status, message = (
        "invitation_closed",
        410,
        _("This invitation was withdrawn or has already been accepted."),
    )


class InvitationResendTooSoon(DomainError):
    code, status, message = (
        "resend_too_soon",
        429,
        _("The invitation was sent a moment ago. Please wait a minute before sending it again."),
    )


class InvitationNotOpen(Conflict):
    code, message = "invitation_not_open", _("This invitation was already accepted or withdrawn.")
