"""The owner's proofs that a POS connection works: "Send a test check" and, for iiko, "Test the credentials".

A test check is signed with the connection's own signing secret and goes through the webhook's own door:
`pos.inbound.verified_webhook_check` (the signature, the replay window, the paused refusal and the check parser
that the webhook's API view and the WSGI intake use) and then `receive_check`, the call the view makes; the drain
turns it into points like any other check. It is not an HTTP request to ourselves: inside one gunicorn worker a
request waiting on another request to the same server ties up a thread and a second database connection, and
deadlocks when every thread is busy (a sync worker always would). Only the HTTP transport is skipped (routing, body
limits), which tests/test_webhook_end_to_end.py covers with real processes.

The check is for the chain's test guest (guests.services.find_or_create_test_guest), identified by its QR token as
a POS would, and its POS check id starts with TEST_CHECK_PREFIX: analytics and billing counts leave it out.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.services import record_audit
from guests.models import Guest
from guests.services import find_or_create_test_guest
from maxloyalty.encryption import decrypt_text
from pos.adapters.base import PosAddressRefused, PosAuthFailed, PosError, PosUnavailable
from pos.adapters.iiko import IikoAdapter
from pos.errors import NoSigningSecret
from pos.inbound import verified_webhook_check
from pos.models import TEST_CHECK_PREFIX, PosConnection, PosKind, ReceiptSource
from pos.services.receipts import receive_check
from pos.services.sync import build_adapter, chain_currency
from pos.signatures import signature_header_for

TEST_CHECK_AMOUNT = Decimal("1000.00")


@dataclass(frozen=True)
class SentTestCheck:
    receipt_id: int
    external_id: str
    guest: Guest


def build_test_check_body(*, guest: Guest, currency: str) -> bytes:
    """The body a POS would send for one 1,000 sale to the test guest (docs/pos-protocol.md's format)."""
    external_id = TEST_CHECK_PREFIX + uuid.uuid4().hex[:12]
    total = str(TEST_CHECK_AMOUNT)
    check = {
        "external_id": external_id,
        "status": "closed",
        "closed_at": timezone.now().isoformat(),
        "guest": {"qr": guest.qr_token},
        "items": [{"sku": "TEST", "name": "Test check", "quantity": 1, "price": total, "discount": "0"}],
        "total_amount": total,
        "currency": currency,
    }
    return json.dumps(check, ensure_ascii=False).encode()


@transaction.atomic
def send_test_check(*, actor: Actor, pos_connection: PosConnection) -> SentTestCheck:
    """Sign a test check with the connection's secret and pass it through the webhook's verification and intake;
    the drain earns its points after commit. Refused as the webhook would refuse it (a paused connection: 403)."""
    if not pos_connection.signing_secret_encrypted:
        raise NoSigningSecret()
    guest = find_or_create_test_guest(actor=actor)
    currency = chain_currency()
    body = build_test_check_body(guest=guest, currency=currency)
    timestamp = str(int(time.time()))
    secret = decrypt_text(pos_connection.signing_secret_encrypted)
    auth, check = verified_webhook_check(
        connection_id=pos_connection.pk,
        timestamp_header=timestamp,
        signature_header=signature_header_for(secret, timestamp, body),
        body=body,
        default_currency=currency,
    )
    state = receive_check(
        connection_id=pos_connection.pk, restaurant_id=auth.restaurant_id, check=check, source=ReceiptSource.WEBHOOK
    )
    record_audit(
        action="pos.connection.test_check_sent",
        actor=actor,
        target=pos_connection,
        data={"receipt_id": state.receipt_id, "external_id": check.external_id},
        restaurant_id=auth.restaurant_id,
    )
    return SentTestCheck(receipt_id=state.receipt_id, external_id=check.external_id, guest=guest)


@dataclass(frozen=True)
class CredentialsAnswer:
    """What iiko answered, in plain words for the connection's page."""

    is_ok: bool
    message: str
    organizations: list[tuple[str, str]] = field(default_factory=list)
    has_configured_organization: bool = False


def check_iiko_credentials(*, pos_connection: PosConnection) -> CredentialsAnswer:
    """Ask iiko for the organisations the saved credentials reach (a fresh token). Writes nothing: the answer is
    shown, not kept (the polling task records its own errors on the connection)."""
    if pos_connection.kind != PosKind.IIKO:
        return CredentialsAnswer(is_ok=False, message=_("Only iiko connections have credentials to test."))
    try:
        adapter = build_adapter(pos_connection)
        assert isinstance(adapter, IikoAdapter)
        organizations = adapter.organizations()
    except PosAuthFailed:
        return CredentialsAnswer(
            is_ok=False,
            message=_("iiko refused the API login or key: copy it again from iiko Web (API logins) and save it here."),
        )
    except PosAddressRefused as error:
        return CredentialsAnswer(
            is_ok=False, message=_("The iiko address is not allowed: %(error)s") % {"error": error}
        )
    except PosUnavailable as error:
        return CredentialsAnswer(
            is_ok=False, message=_("iiko did not answer properly: %(error)s. Try again in a minute.") % {"error": error}
        )
    except PosError as error:
        return CredentialsAnswer(
            is_ok=False, message=_("iiko answered something unexpected: %(error)s") % {"error": error}
        )
    configured = pos_connection.external_organization_id
    has_configured = any(organization_id == configured for organization_id, _name in organizations)
    if not organizations:
        message = _("iiko accepted the credentials but they reach no organisation.")
    elif has_configured:
        message = _("iiko accepted the credentials; the configured organisation is among those they reach.")
    else:
        message = _("iiko accepted the credentials, but the configured organisation id is not among those they reach.")
    return CredentialsAnswer(
        is_ok=bool(organizations) and has_configured,
        message=message,
        organizations=organizations,
        has_configured_organization=has_configured,
    )
