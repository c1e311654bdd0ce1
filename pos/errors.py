"""Domain errors of the POS app: what its doors, selectors and services refuse, each with its code, status and
message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError, NotFound, PermissionDeniedError, ValidationFailed


class ExternalIdReused(Conflict):
    code, message = "external_id_reused", _("This check id was already sent with different content.")


class ReceiptNotRerunnable(Conflict):
    code, message = (
        "receipt_not_rerunnable",
        _("Only failed receipts, or receipts whose guest was not found, can be run again."),
    )


class MalformedJson(DomainError):
    code, status, message = "malformed_json", 400, _("The body is not valid JSON.")


class ConnectionNotFound(NotFound):
    code = "connection_not_found"


class ConnectionHasReceipts(Conflict):
    code, message = (
        "connection_has_receipts",
        _("This connection has received checks; pause it instead of deleting it."),
    )


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class OperationNotFound(NotFound):
    code, message = "operation_not_found", _("Operation not found at this till.")


class UndoWindowClosed(PermissionDeniedError):
    code, message = "undo_window_closed", _("This operation can no longer be undone at the till. Ask a manager.")


# Refused pushes from POS systems (pos.inbound): each is recorded as a RejectedAttempt.

SIGNATURE_MESSAGES = {
    "signature_missing": _("The request is not signed: send X-MaxLoyalty-Timestamp and X-MaxLoyalty-Signature."),
    "timestamp_invalid": _("X-MaxLoyalty-Timestamp must be Unix seconds."),
    "timestamp_stale": _("The timestamp is outside the 5-minute window: check the sender's clock, sign again."),
    "signature_invalid": _("The signature does not match the body."),
    "token_invalid": _("The token in Authorization is missing or wrong."),
}


class Unauthenticated(DomainError):
    """A push that did not prove itself; its code says how (SIGNATURE_MESSAGES)."""

    status = 401

    def __init__(self, code: str) -> None:
        super().__init__(SIGNATURE_MESSAGES[code])
        self.code = code


class ConnectionPaused(DomainError):
    code, status, message = "connection_paused", 403, _("This POS connection is paused.")


class UnknownConnection(DomainError):
    code, status, message = "connection_not_found", 404, _("No such POS connection.")


class ConnectionOfAnotherKind(UnknownConnection):
    """A push to a connection of another POS kind: answered as an unknown connection (the sender learns nothing),
    recorded against the connection it named."""


class MalformedNotification(DomainError):
    code, status, message = "malformed_notification", 400, _("The notification cannot be read.")


class NoSigningSecret(Conflict):
    code, message = (
        "no_signing_secret",
        _("This connection has no signing secret: rotate the secret first, then send the test check."),
    )


# A guest's claim of a visit from the fiscal receipt's QR (pos.services.claims).


class ReceiptAlreadyClaimed(Conflict):
    code, message = "receipt_already_claimed", _("This receipt has already been claimed.")


class ClaimNotFound(NotFound):
    code = "receipt_claim_not_found"


class ClaimSettled(Conflict):
    code, message = "receipt_claim_settled", _("This claim is already settled.")


class ClaimOfAnotherFiscalDocument(Conflict):
    code, message = (
        "receipt_of_another_fiscal_document",
        _("The POS sent another fiscal document for this receipt than the one in the guest's QR code."),
    )


class ReceiptRefunded(Conflict):
    code, message = "receipt_refunded", _("This receipt was refunded: it earns no points.")


class ClaimLimitReached(DomainError):
    code, status, message = (
        "claim_limit_reached",
        429,
        _("You have claimed as many receipts as allowed today. Please try again tomorrow."),
    )


class ClaimWindowPassed(DomainError):
    code, status, message = (
        "claim_window_passed",
        422,
        _("This receipt is too old to claim: a visit can be claimed within %(hours)s hours."),
    )

    def __init__(self, *, hours: int) -> None:
        super().__init__(self.message % {"hours": hours}, hours=hours)


class ClaimNotASale(DomainError):
    code, status, message = "claim_not_a_sale", 422, _("Only the receipt of a purchase earns points.")


class ClaimReceiptInTheFuture(DomainError):
    code, status, message = (
        "claim_receipt_in_the_future",
        422,
        _("The time on this receipt is in the future: check the QR code and try again."),
    )


class ReceiptNotClaimable(ValidationFailed):
    """The receipt a member chose for a claim is not one it may be for (has a guest, not processed, not theirs)."""

    def __init__(self) -> None:
        super().__init__(
            fields={"receipt_id": [str(_("Not a receipt this claim may be for: choose one of its candidates."))]}
        )
