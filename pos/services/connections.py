"""Setting up POS connections: credentials encrypted at rest, signing secrets and tokens shown once, rotation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from audit.services import changes_between, record_audit
from maxloyalty.encryption import encrypt_json, encrypt_text
from maxloyalty.errors import ValidationFailed
from maxloyalty.outbound import AddressNotAllowed, check_url
from pos.adapters.iiko import IikoAdapter
from pos.errors import ConnectionHasReceipts
from pos.models import PosConnection, PosKind
from pos.selectors import forget_inbound_auth
from pos.services.sync import build_adapter
from pos.signatures import new_inbound_token, new_signing_secret, token_digest
from restaurants.models import Restaurant

# Credentials each POS type needs (the rest is refused so nothing unexpected is stored).
CREDENTIAL_FIELDS: dict[str, tuple[set[str], list[set[str]]]] = {
    # allowed keys, and alternatives of which one set must be complete
    PosKind.IIKO: (
        {"api_login", "api_key", "app_id", "client_secret"},
        [{"api_login"}, {"api_key", "app_id", "client_secret"}],
    ),
    PosKind.RKEEPER: ({"username", "password"}, [{"username", "password"}]),
    PosKind.WEBHOOK: (set(), [set()]),
}
_AUDITED_FIELDS = (
    "name",
    "kind",
    "status",
    "restaurant_id",
    "external_organization_id",
    "external_terminal_id",
    "external_restaurant_code",
    "api_base_url",
    "poll_interval_minutes",
)


@dataclass(frozen=True)
class IssuedSecrets:
    """Shown to the user once, at creation or rotation; only encrypted copies or digests are kept."""

    signing_secret: str | None = None
    inbound_token: str | None = None


def _snapshot(pos_connection: PosConnection) -> dict[str, Any]:
    return {field: getattr(pos_connection, field) for field in _AUDITED_FIELDS}


def validate_credentials(kind: str, credentials: dict[str, Any]) -> dict[str, str]:
    allowed, alternatives = CREDENTIAL_FIELDS[kind]
    cleaned = {key: str(value).strip() for key, value in credentials.items() if value not in (None, "")}
    unknown = sorted(set(cleaned) - allowed)
    if unknown:
        raise ValidationFailed(
            fields={"credentials": [str(_("Unknown keys: %(keys)s") % {"keys": ", ".join(unknown)})]}
        )
    if cleaned and not any(required <= set(cleaned) for required in alternatives):
        names = " or ".join("+".join(sorted(required)) for required in alternatives)
        raise ValidationFailed(fields={"credentials": [str(_("Give %(names)s.") % {"names": names})]})
    return cleaned


def _check_base_url(base_url: str) -> None:
    """The POS address must be a public one (maxloyalty.outbound checks it again on every call)."""
    if not base_url:
        return
    try:
        check_url(base_url)
    except AddressNotAllowed as refusal:
        raise ValidationFailed(fields={"api_base_url": [str(refusal.public_message)]}) from None


def _check_external_ids(kind: str, organization_id: str, base_url: str) -> None:
    fields: dict[str, list[str]] = {}
    if kind == PosKind.IIKO and not organization_id:
        fields["external_organization_id"] = [str(_("iiko needs the organisation id."))]
    if kind == PosKind.RKEEPER and not base_url:
        fields["api_base_url"] = [str(_("R-Keeper needs the address of the cash server's XML interface."))]
    if fields:
        raise ValidationFailed(fields=fields)


@transaction.atomic
def create_connection(
    *,
    actor: Actor,
    restaurant: Restaurant,
    kind: str,
    name: str = "",
    external_organization_id: str = "",
    external_terminal_id: str = "",
    external_restaurant_code: str = "",
    api_base_url: str = "",
    credentials: dict[str, Any] | None = None,
    poll_interval_minutes: int | None = None,
) -> tuple[PosConnection, IssuedSecrets]:
    cleaned = validate_credentials(kind, credentials or {})
    _check_external_ids(kind, external_organization_id, api_base_url)
    _check_base_url(api_base_url)
    signing_secret = new_signing_secret()
    inbound_token = new_inbound_token() if kind in (PosKind.IIKO, PosKind.RKEEPER) else None
    now = timezone.now()
    pos_connection = PosConnection.objects.create(
        restaurant=restaurant,
        kind=kind,
        name=name,
        external_organization_id=external_organization_id,
        external_terminal_id=external_terminal_id,
        external_restaurant_code=external_restaurant_code,
        api_base_url=api_base_url,
        credentials_encrypted=encrypt_json(cleaned) if cleaned else "",
        credentials_updated_at=now if cleaned else None,
        signing_secret_encrypted=encrypt_text(signing_secret),
        secret_rotated_at=now,
        inbound_token_digest=token_digest(inbound_token) if inbound_token else "",
        poll_interval_minutes=poll_interval_minutes or settings.POS_DEFAULT_POLL_MINUTES,
    )
    record_audit(
        action="pos.connection.created",
        actor=actor,
        target=pos_connection,
        data={**_snapshot(pos_connection), "credentials": sorted(cleaned)},
        restaurant_id=restaurant.pk,
    )
    return pos_connection, IssuedSecrets(signing_secret=signing_secret, inbound_token=inbound_token)


@transaction.atomic
def update_connection(
    *, actor: Actor, pos_connection: PosConnection, changes: dict[str, Any], credentials: dict[str, Any] | None = None
) -> PosConnection:
    """Change settings; credentials, when given, replace the stored ones (they are never read back)."""
    pos_connection = PosConnection.objects.select_for_update().get(pk=pos_connection.pk)
    before = _snapshot(pos_connection)
    for field, value in changes.items():
        if field == "restaurant":
            pos_connection.restaurant = value
        elif field in _AUDITED_FIELDS:
            setattr(pos_connection, field, value)
    _check_external_ids(pos_connection.kind, pos_connection.external_organization_id, pos_connection.api_base_url)
    if pos_connection.api_base_url != before["api_base_url"]:
        _check_base_url(pos_connection.api_base_url)
    data: dict[str, Any] = {}
    if credentials is not None:
        cleaned = validate_credentials(pos_connection.kind, credentials)
        pos_connection.credentials_encrypted = encrypt_json(cleaned) if cleaned else ""
        pos_connection.credentials_updated_at = timezone.now()
        data["credentials_replaced"] = sorted(cleaned)
    pos_connection.save()
    record_audit(
        action="pos.connection.changed",
        actor=actor,
        target=pos_connection,
        changes=changes_between(before, _snapshot(pos_connection)),
        data=data,
        restaurant_id=pos_connection.restaurant_id,
    )
    forget_inbound_auth(pos_connection.pk)
    return pos_connection


@transaction.atomic
def rotate_signing_secret(*, actor: Actor, pos_connection: PosConnection) -> tuple[PosConnection, str]:
    """A new signing secret; the old one stays valid for POS_SECRET_GRACE_HOURS so senders can switch over.

    Rotating again within the grace period ends the older secret at once (only one previous secret is kept).
    """
    pos_connection = PosConnection.objects.select_for_update().get(pk=pos_connection.pk)
    secret = new_signing_secret()
    now = timezone.now()
    grace = timedelta(hours=settings.POS_SECRET_GRACE_HOURS)
    pos_connection.previous_signing_secret_encrypted = pos_connection.signing_secret_encrypted
    pos_connection.previous_secret_valid_until = now + grace if pos_connection.signing_secret_encrypted else None
    pos_connection.signing_secret_encrypted = encrypt_text(secret)
    pos_connection.secret_rotated_at = now
    pos_connection.save(
        update_fields=[
            "previous_signing_secret_encrypted",
            "previous_secret_valid_until",
            "signing_secret_encrypted",
            "secret_rotated_at",
            "updated_at",
        ]
    )
    record_audit(
        action="pos.connection.secret_rotated",
        actor=actor,
        target=pos_connection,
        data={"previous_valid_until": pos_connection.previous_secret_valid_until},
        restaurant_id=pos_connection.restaurant_id,
    )
    forget_inbound_auth(pos_connection.pk)
    return pos_connection, secret


@transaction.atomic
def rotate_inbound_token(*, actor: Actor, pos_connection: PosConnection) -> tuple[PosConnection, str]:
    """A new token for the POS to echo (iiko webhook settings, R-Keeper notifications); the old one stops at once."""
    pos_connection = PosConnection.objects.select_for_update().get(pk=pos_connection.pk)
    token = new_inbound_token()
    pos_connection.inbound_token_digest = token_digest(token)
    pos_connection.save(update_fields=["inbound_token_digest", "updated_at"])
    record_audit(
        action="pos.connection.token_rotated",
        actor=actor,
        target=pos_connection,
        restaurant_id=pos_connection.restaurant_id,
    )
    forget_inbound_auth(pos_connection.pk)
    return pos_connection, token


@transaction.atomic
def delete_connection(*, actor: Actor, pos_connection: PosConnection) -> None:
    if pos_connection.receipts.exists():
        raise ConnectionHasReceipts(connection_id=pos_connection.pk)
    record_audit(
        action="pos.connection.deleted",
        actor=actor,
        target=pos_connection,
        data=_snapshot(pos_connection),
        restaurant_id=pos_connection.restaurant_id,
    )
    connection_id = pos_connection.pk
    pos_connection.delete()
    forget_inbound_auth(connection_id)


def register_iiko_webhook(
    *, actor: Actor, pos_connection: PosConnection, webhook_url: str, client: httpx.Client | None = None
) -> str:
    """Give iiko our webhook address and a fresh token (update_settings), then keep the token's digest.

    iiko is told first: if it refuses, the token in force stays the old one.
    """
    if pos_connection.kind != PosKind.IIKO:
        raise ValidationFailed(fields={"kind": [str(_("Only iiko connections register webhooks with iiko."))]})
    adapter = build_adapter(pos_connection, client=client)
    assert isinstance(adapter, IikoAdapter)
    token = new_inbound_token()
    adapter.register_webhook(uri=webhook_url, auth_token=token)
    with transaction.atomic():
        locked = PosConnection.objects.select_for_update().get(pk=pos_connection.pk)
        locked.inbound_token_digest = token_digest(token)
        locked.save(update_fields=["inbound_token_digest", "updated_at"])
        record_audit(
            action="pos.connection.iiko_webhook_registered",
            actor=actor,
            target=locked,
            data={"webhook_url": webhook_url},
            restaurant_id=locked.restaurant_id,
        )
    forget_inbound_auth(pos_connection.pk)
    return token
