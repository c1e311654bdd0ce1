"""Domain errors of the POS app: what its doors, selectors and services refuse, each with its code, status and
message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError, NotFound, PermissionDeniedError


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
