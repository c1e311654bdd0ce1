"""Creating a restaurant chain (tenant, schema, domain and owner in one step, all or nothing) and changing its
profile and logo."""

from __future__ import annotations

import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from accounts.models import Role, User
from accounts.services import grant_membership, obtain_user
from audit.services import changes_between, record_audit
from billing.services import start_trial
from maxloyalty.chain_files import FileKind, delete_chain_file, save_chain_file
from maxloyalty.errors import ValidationFailed
from maxloyalty.events import emit_after_commit
from tenants.errors import ChainSchemaNotCreated
from tenants.events import chain_branding_changed
from tenants.models import Chain, ChainStatus, Domain, PendingSignup
from tenants.validators import (
    HEX_COLOUR,
    LOGO_MAX_BYTES,
    MIN_LABEL_CONTRAST,
    MIN_TEXT_CONTRAST,
    contrast_ratio,
    logo_format,
    schema_name_for,
    validate_chain_slug,
)

logger = logging.getLogger(__name__)


def chain_slug_errors(slug: str) -> list[str]:
    try:
        validate_chain_slug(slug)
    except ValidationError as error:
        return list(error.messages)
    host = f"{slug}.{settings.PLATFORM_DOMAIN}"
    if (
        Chain.objects.filter(slug=slug).exists()
        or Chain.objects.filter(schema_name=schema_name_for(slug)).exists()
        or Domain.objects.filter(domain=host).exists()
        or PendingSignup.objects.filter(slug=slug, confirmed_at__isnull=True, expires_at__gt=timezone.now()).exists()
    ):
        return [str(_("This address is already taken."))]
    return []


def chain_field_errors(
    *, name: str, slug: str, owner_email: str, time_zone: str, default_language: str
) -> dict[str, list[str]]:
    """What is wrong with a new chain's details (the sign-up form and create_chain check the same), by field."""
    fields: dict[str, list[str]] = {}
    if not name.strip():
        fields["name"] = [str(_("Enter the chain's name."))]
    if slug_errors := chain_slug_errors(slug):
        fields["slug"] = slug_errors
    try:
        validate_email(owner_email)
    except ValidationError:
        fields["email"] = [str(_("Enter a valid email address."))]
    if time_zone not in zoneinfo.available_timezones():
        fields["time_zone"] = [str(_("Unknown time zone."))]
    if default_language not in {code for code, _label in settings.LANGUAGES}:
        fields["default_language"] = [str(_("Unsupported language."))]
    return fields


def create_chain(
    *,
    name: str,
    slug: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    client_address: str = "",
    time_zone: str = settings.DEFAULT_CHAIN_TIME_ZONE,
    currency: str = "RUB",
    default_language: str = "ru",
    status: str = ChainStatus.TRIAL,
) -> tuple[Chain, User]:
    """Create the chain, its schema (migrated), its domain and its owner. Any failure leaves nothing behind.

    The sign-up page reaches this only through a confirmed sign-up (tenants.signup); the command, the demo and
    the test fixtures call it directly.
    """
    slug = slug.strip().lower()
    fields = chain_field_errors(
        name=name, slug=slug, owner_email=owner_email, time_zone=time_zone, default_language=default_language
    )
    if fields:
        raise ValidationFailed(fields=fields)

    try:
        return _create_chain_atomically(
            name=name.strip(),
            slug=slug,
            owner_email=owner_email,
            owner_password=owner_password,
            owner_name=owner_name,
            client_address=client_address,
            time_zone=time_zone,
            currency=currency,
            default_language=default_language,
            status=status,
        )
    except DatabaseError as error:
        logger.exception("Creating the schema of chain %s failed", slug)
        raise ChainSchemaNotCreated from error


@transaction.atomic
def _create_chain_atomically(
    *,
    name: str,
    slug: str,
    owner_email: str,
    owner_password: str,
    owner_name: str,
    client_address: str,
    time_zone: str,
    currency: str,
    default_language: str,
    status: str,
) -> tuple[Chain, User]:
    owner = obtain_user(email=owner_email, password=owner_password, client_address=client_address, full_name=owner_name)
    chain = Chain(
        schema_name=schema_name_for(slug),
        slug=slug,
        name=name,
        time_zone=time_zone,
        currency=currency,
        default_language=default_language,
        status=status,
    )
    chain.save(verbosity=0)  # creates and migrates the schema inside this transaction
    Domain.objects.create(domain=chain.host, tenant=chain, is_primary=True)
    start_trial(chain=chain, actor=owner)
    with schema_context(chain.schema_name):
        grant_membership(user=owner, chain_id=chain.id, role=Role.OWNER, actor=owner)
        record_audit(action="chain.created", actor=owner, target=chain, data={"slug": slug})
    return chain, owner


PROFILE_FIELDS = ("name", "time_zone", "default_language", "currency")


@transaction.atomic
def update_chain_profile(*, chain: Chain, actor: User, **values: str) -> Chain:
    """Change the chain's name, time zone, language or currency; audited with old → new."""
    locked = Chain.objects.select_for_update().get(pk=chain.pk)
    before = {field: getattr(locked, field) for field in PROFILE_FIELDS}
    for field, value in values.items():
        if field not in PROFILE_FIELDS:
            raise ValueError(f"{field} is not a profile field")
        setattr(locked, field, value)
    locked.save(update_fields=[*values, "updated_at"])  # also drops the routing cache entry of its hosts
    changes = changes_between(before, {field: getattr(locked, field) for field in PROFILE_FIELDS})
    if changes:
        record_audit(action="chain.profile_changed", actor=actor, target=locked, changes=changes)
    if "name" in changes:
        emit_after_commit(chain_branding_changed, sender=Chain, chain=locked)
    return locked


CARD_COLOUR_FIELDS = ("card_background", "card_foreground", "card_label")


def card_colour_errors(*, card_background: str, card_foreground: str, card_label: str) -> dict[str, list[str]]:
    """What makes the card's colours wrong or unreadable, by field: each must be "#rrggbb"; the text must stand
    out from the background (WCAG contrast MIN_TEXT_CONTRAST), the labels at least MIN_LABEL_CONTRAST."""
    values = {"card_background": card_background, "card_foreground": card_foreground, "card_label": card_label}
    fields = {
        field: [str(_("Enter a colour as #rrggbb, for example #1a2b3c."))]
        for field, value in values.items()
        if not HEX_COLOUR.match(value)
    }
    if fields:
        return fields
    if (ratio := contrast_ratio(card_background, card_foreground)) < MIN_TEXT_CONTRAST:
        fields["card_foreground"] = [
            str(
                _(
                    "The text would be hard to read on this background (contrast %(ratio).1f:1, at least "
                    "%(minimum).1f:1 is needed). Choose a lighter or darker colour."
                )
                % {"ratio": ratio, "minimum": MIN_TEXT_CONTRAST}
            )
        ]
    if (ratio := contrast_ratio(card_background, card_label)) < MIN_LABEL_CONTRAST:
        fields["card_label"] = [
            str(
                _(
                    "The labels would be hard to read on this background (contrast %(ratio).1f:1, at least "
                    "%(minimum).1f:1 is needed). Choose a lighter or darker colour."
                )
                % {"ratio": ratio, "minimum": MIN_LABEL_CONTRAST}
            )
        ]
    return fields


@transaction.atomic
def set_card_colours(
    *, chain: Chain, actor: User, card_background: str, card_foreground: str, card_label: str
) -> Chain:
    """The chain's wallet card colours ("#rrggbb", readable together: ValidationFailed by field otherwise);
    audited old → new; every card of the chain is redrawn after commit (chain_branding_changed)."""
    values = {
        "card_background": card_background.strip().lower(),
        "card_foreground": card_foreground.strip().lower(),
        "card_label": card_label.strip().lower(),
    }
    if fields := card_colour_errors(**values):
        raise ValidationFailed(fields=fields)
    locked = Chain.objects.select_for_update().get(pk=chain.pk)
    before = {field: getattr(locked, field) for field in CARD_COLOUR_FIELDS}
    changes = changes_between(before, values)
    if not changes:
        return locked
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save(update_fields=[*CARD_COLOUR_FIELDS, "updated_at"])  # also drops the routing cache entry
    record_audit(action="chain.card_colours_changed", actor=actor, target=locked, changes=changes)
    emit_after_commit(chain_branding_changed, sender=Chain, chain=locked)
    return locked


def set_chain_logo(*, chain: Chain, actor: User, upload: File[bytes]) -> Chain:
    """Store a new logo for the chain (PNG, JPEG or WebP up to LOGO_MAX_BYTES, checked by its bytes); audited.

    The file gets a new random name each time, so its public address changes and caches never show the old one;
    the old file is deleted once the change is committed.
    """
    size = upload.size or 0
    head = upload.read(12)
    upload.seek(0)
    extension = logo_format(head)
    if extension is None:
        raise ValidationFailed(fields={"logo": [str(_("The logo must be a PNG, JPEG or WebP image."))]})
    if size > LOGO_MAX_BYTES:
        limit = LOGO_MAX_BYTES // 1024
        raise ValidationFailed(fields={"logo": [str(_("The logo must be at most %(limit)s KB.") % {"limit": limit})]})
    with schema_context(chain.schema_name):
        stored = save_chain_file(kind=FileKind.LOGO, name=f"logo.{extension}", content=upload)
    return _replace_logo(chain=chain, actor=actor, logo=stored)


def remove_chain_logo(*, chain: Chain, actor: User) -> Chain:
    """The chain goes back to its name alone in the header and the Mini App; audited."""
    return _replace_logo(chain=chain, actor=actor, logo="")


@transaction.atomic
def _replace_logo(*, chain: Chain, actor: User, logo: str) -> Chain:
    locked = Chain.objects.select_for_update().get(pk=chain.pk)
    old = locked.logo
    if old == logo:
        return locked
    locked.logo = logo
    locked.save(update_fields=["logo", "updated_at"])  # also drops the routing cache entry of its hosts
    record_audit(action="chain.logo_changed", actor=actor, target=locked, changes={"logo": [old, logo]})
    emit_after_commit(chain_branding_changed, sender=Chain, chain=locked)
    if old:
        schema = locked.schema_name

        def delete_old() -> None:
            with schema_context(schema):
                delete_chain_file(old)

        transaction.on_commit(delete_old)
    return locked
