"""Sign-up with a proven email: the form only reserves the chain's address and emails a link; the chain, its
schema, the owner's account and membership are created when the link is confirmed.

Rules (settings in brackets):
1. A sign-up creates no schema, user or membership: one PendingSignup reserving the address for
   SIGNUP_CONFIRMATION_HOURS and an email with a one-time link. Only the token's SHA-256 is stored.
2. Floods: at most SIGNUP_LIMIT_PER_ADDRESS sign-ups per client address and SIGNUP_LIMIT_PER_EMAIL mails per
   email per hour, SIGNUP_OPEN_PER_ADDRESS unconfirmed sign-ups per address at once, one mail per sign-up every
   CONFIRMATION_RESEND_SECONDS. A resend replaces the link but never extends its lifetime.
3. An email that already has an account proves that account's password through the one sign-in door
   (accounts.services.obtain_user) before anything is reserved; a new account's password must be strong.
4. Confirming takes the link AND the password given at sign-up (a new account's, or the existing account's):
   someone who signed up with another person's address cannot confirm without the mailbox, and the mailbox's
   owner does not end up with an account whose password a stranger chose. SIGNUP_CONFIRM_ATTEMPTS wrong
   passwords void the sign-up.
5. Confirmation is single use and creates the chain through tenants.services.create_chain (the same path as the
   command, the demo and the test fixtures); the owner's email is then marked confirmed.
6. Unconfirmed sign-ups past their expiry are deleted by the hourly purge (tenants.tasks), freeing the address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import obtain_user
from maxloyalty import rate_limits
from maxloyalty.errors import ValidationFailed
from tenants.errors import (
    ConfirmationResendTooSoon,
    SignupAlreadyConfirmed,
    SignupLinkExpired,
    SignupLinkInvalid,
    SignupPasswordMismatch,
    SignupRateLimited,
)
from tenants.models import Chain, PendingSignup, site_url
from tenants.services import chain_field_errors, create_chain

SIGNUP_CONFIRM_ATTEMPTS = 5
_HOUR = 3600


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirmation_url(token: str) -> str:
    # In the query string as `token=`, which the log redaction (maxloyalty.log_redaction) hides in every log line.
    return f"{site_url(settings.PLATFORM_DOMAIN)}/signup/confirm/?token={token}"


def _valid_address(address: str) -> str:
    """The client's IP address as stored and counted, or "" when the server did not get one."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def _limit(scope: str, subject: str, limit: int) -> None:
    if subject and not rate_limits.hit(scope=scope, subject=subject, limit=limit, window_seconds=_HOUR):
        raise SignupRateLimited


def _limit_mail_to(email: str) -> None:
    _limit("signup-email", email, settings.SIGNUP_LIMIT_PER_EMAIL)


def start_signup(
    *,
    name: str,
    slug: str,
    email: str,
    password: str,
    client_address: str,
    owner_name: str = "",
    time_zone: str = settings.DEFAULT_CHAIN_TIME_ZONE,
    currency: str = "RUB",
    default_language: str = "ru",
) -> PendingSignup:
    """Reserve the chain's address and email a confirmation link (rules 1-3). Nothing else is created."""
    slug = slug.strip().lower()
    email = User.objects.normalize_email(email).strip().lower()
    client_address = _valid_address(client_address)
    fields = chain_field_errors(
        name=name, slug=slug, owner_email=email, time_zone=time_zone, default_language=default_language
    )
    if fields:
        raise ValidationFailed(fields=fields)
    now = timezone.now()
    _limit("signup-address", client_address, settings.SIGNUP_LIMIT_PER_ADDRESS)
    open_from_address = PendingSignup.objects.filter(
        client_address=client_address or None, confirmed_at__isnull=True, expires_at__gt=now
    ).count()
    if client_address and open_from_address >= settings.SIGNUP_OPEN_PER_ADDRESS:
        raise SignupRateLimited
    _limit_mail_to(email)

    password_hash = ""
    if User.objects.filter(email=email).exists():
        obtain_user(email=email, password=password, client_address=client_address)  # proves it; creates nothing
    else:
        try:
            validate_password(password, user=User(email=email, full_name=owner_name))
        except ValidationError as error:
            raise ValidationFailed(_("The password is too weak"), fields={"password": list(error.messages)}) from error
        password_hash = make_password(password)

    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            # An expired reservation of this address that the purge has not reached yet gives way.
            PendingSignup.objects.filter(slug=slug, confirmed_at__isnull=True, expires_at__lte=now).delete()
            pending = PendingSignup.objects.create(
                email=email,
                owner_name=owner_name.strip(),
                password_hash=password_hash,
                name=name.strip(),
                slug=slug,
                time_zone=time_zone,
                currency=currency,
                default_language=default_language,
                client_address=client_address or None,
                token_hash=token_hash(token),
                last_sent_at=now,
                expires_at=now + timedelta(hours=settings.SIGNUP_CONFIRMATION_HOURS),
            )
    except IntegrityError as error:  # another sign-up reserved the same address a moment ago
        raise ValidationFailed(fields={"slug": [str(_("This address is already taken."))]}) from error
    transaction.on_commit(lambda: send_signup_confirmation(pending=pending, token=token))
    return pending


def resend_signup_confirmation(*, pending_id: int, client_address: str) -> PendingSignup:
    """A new link for an open sign-up (the old one stops working); the sign-up's lifetime stays as it was."""
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending = PendingSignup.objects.select_for_update().filter(pk=pending_id).first()
        if pending is None:
            raise SignupLinkInvalid
        _check_open(pending, now=now)
        if (now - pending.last_sent_at).total_seconds() < settings.CONFIRMATION_RESEND_SECONDS:
            raise ConfirmationResendTooSoon
        _limit("signup-address", _valid_address(client_address), settings.SIGNUP_LIMIT_PER_ADDRESS)
        _limit_mail_to(pending.email)
        pending.token_hash = token_hash(token)
        pending.last_sent_at = now
        pending.save(update_fields=["token_hash", "last_sent_at"])
        transaction.on_commit(lambda: send_signup_confirmation(pending=pending, token=token))
    return pending


def send_signup_confirmation(*, pending: PendingSignup, token: str) -> None:
    context = {"pending": pending, "url": confirmation_url(token), "hours": settings.SIGNUP_CONFIRMATION_HOURS}
    subject = render_to_string("tenants/email/signup_confirmation_subject.txt", context).strip()
    body = render_to_string("tenants/email/signup_confirmation.txt", context)
    send_mail(subject, body, None, [pending.email])


def _check_open(pending: PendingSignup, *, now: datetime) -> None:
    if pending.confirmed_at is not None:
        raise SignupAlreadyConfirmed
    if pending.expires_at <= now or pending.failed_attempts >= SIGNUP_CONFIRM_ATTEMPTS:
        raise SignupLinkExpired


def open_signup_for_token(token: str) -> PendingSignup:
    """The open sign-up this link confirms, or the refusal a page shows (forged, replaced, used, expired)."""
    pending = PendingSignup.objects.filter(token_hash=token_hash(token)).first() if token else None
    if pending is None:
        raise SignupLinkInvalid
    _check_open(pending, now=timezone.now())
    return pending


def confirm_signup(*, token: str, password: str, client_address: str) -> tuple[Chain, User]:
    """Rules 4-5: with the link and the sign-up's password, create the chain and its owner; single use."""
    pending = open_signup_for_token(token)
    is_new_account = bool(pending.password_hash) and not User.objects.filter(email=pending.email).exists()
    if is_new_account and not check_password(password, pending.password_hash):
        # Counted outside the refused transaction, so the count survives the refusal; the last miss frees the address.
        PendingSignup.objects.filter(pk=pending.pk).update(failed_attempts=F("failed_attempts") + 1)
        PendingSignup.objects.filter(pk=pending.pk, failed_attempts__gte=SIGNUP_CONFIRM_ATTEMPTS).update(
            expires_at=timezone.now()
        )
        raise SignupPasswordMismatch(fields={"password": [str(SignupPasswordMismatch.message)]})
    with transaction.atomic():
        locked = PendingSignup.objects.select_for_update().get(pk=pending.pk)
        now = timezone.now()
        _check_open(locked, now=now)
        if locked.token_hash != pending.token_hash:
            raise SignupLinkInvalid  # replaced by a resend while this request ran
        locked.confirmed_at = now  # from here on it no longer reserves the address for itself
        locked.password_hash = ""
        locked.save(update_fields=["confirmed_at", "password_hash"])
        # An existing account's password is proven inside, through the one sign-in door (obtain_user).
        chain, owner = create_chain(
            name=locked.name,
            slug=locked.slug,
            owner_email=locked.email,
            owner_password=password,
            owner_name=locked.owner_name,
            client_address=client_address,
            time_zone=locked.time_zone,
            currency=locked.currency,
            default_language=locked.default_language,
        )
        locked.chain = chain
        locked.save(update_fields=["chain"])
        User.objects.filter(pk=owner.pk).update(email_confirmed_at=now)
    return chain, owner


def purge_expired_signups(*, now: datetime | None = None) -> int:
    """Delete sign-ups past their link's lifetime (rule 6); returns how many were deleted."""
    deleted, _by_model = PendingSignup.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
