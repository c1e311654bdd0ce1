"""Domain errors of the POS app: what its services refuse, each with its code, status and message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict


class ExternalIdReused(Conflict):
    code, message = "external_id_reused", _("This check id was already sent with different content.")


class ReceiptNotRerunnable(Conflict):
    code, message = (
        "receipt_not_rerunnable",
        _("Only failed receipts, or receipts whose guest was not found, can be run again."),
    )
