"""Staff invitations: a role in a chain is offered by email and becomes a membership only when the invitee accepts.

Rules (settings in brackets):
1. Inviting creates a StaffInvitation, never a User or a Membership, and emails a one-time link on the chain's host,
   valid for STAFF_INVITATION_DAYS; only the token's SHA-256 is kept. Inviting the same email again replaces the
   open invitation (its link stops working).
2. The link alone grants nothing: a person without an account chooses a name and password on the accept page; an
   existing account proves its password through the one sign-in door (accounts.services.obtain_user). The role
   goes to the invitation's email only and only on the chain that sent it, so a forwarded link, or one opened on
   another chain's host, gains nothing.
3. An active member cannot be invited; a deactivated one is re-invited and goes through acceptance like anyone.
4. Owners and admins list open invitations on the staff page, resend (new link and lifetime, at most once every
   CONFIRMATION_RESEND_SECONDS) and revoke them, for the roles they may assign. Inviting, resending, revoking and accepting are audited.
5. Open invitations count towards the plan's staff limit when inviting; accepting checks it again, is single use
   and marks the email confirmed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.errors import (
    AlreadyStaff,
    InvitationClosed,
    InvitationExpired,
    InvitationInvalid,
    InvitationNotOpen,
    InvitationResendTooSoon,
)
from accounts.models import Membership, StaffInvitation, User
from accounts.roles import RESTAURANT_SCOPED_ROLES
from accounts.services import _check_assignable, grant_membership, obtain_user
from audit.services import record_audit
from billing.limits import Limit, require_allowed
from maxloyalty.errors import Conflict
from restaurants.models import Restaurant
from tenants.models import Chain


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(chain: Chain, token: str) -> str:
    # In the query string as `token=`, which the log redaction (maxloyalty.log_redaction) hides in every log line.
    return f"{chain.base_url}/staff/invitation/?token={token}"


def _new_token(invitation: StaffInvitation, *, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.last_sent_at = now
    invitation.expires_at = now + timedelta(days=settings.STAFF_INVITATION_DAYS)
    return token


@transaction.atomic
def invite_staff(
    *,
    chain: Chain,
    email: str,
    full_name: str,
    role: str,
    restaurants: Iterable[Restaurant],
    actor: User,
    actor_role: str,
) -> StaffInvitation:
    """Offer a role in the chain by email (rules 1 and 3); the membership waits for the invitee's acceptance."""
    _check_assignable(actor_role=actor_role, role=role)
    email = User.objects.normalize_email(email).strip().lower()
    now = timezone.now()
    # Open invitations hold a seat on the plan, so the staff accepting them cannot exceed it.
    others_open = (
        StaffInvitation.objects.filter(
            chain=chain, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        .exclude(email=email)
        .count()
    )
    require_allowed(chain, Limit.STAFF, adding=1 + others_open)
    existing = Membership.objects.filter(user__email=email, chain=chain).first()
    if existing is not None and existing.is_active:
        raise AlreadyStaff(fields={"email": [str(AlreadyStaff.message)]})
    if existing is not None:
        _check_assignable(actor_role=actor_role, role=role, current_role=existing.role)
    replaced = StaffInvitation.objects.select_for_update().filter(
        chain=chain, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for old in replaced:
        _check_assignable(actor_role=actor_role, role=old.role)
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    invitation = StaffInvitation(
        chain=chain,
        email=email,
        full_name=full_name.strip(),
        role=role,
        restaurant_ids=sorted(r.pk for r in restaurants) if role in RESTAURANT_SCOPED_ROLES else [],
        invited_by=actor,
    )
    token = _new_token(invitation, now=now)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:  # the same email invited in parallel
        raise Conflict(fields={"email": [str(_("This person was just invited."))]}) from error
    record_audit(
        action="staff.invited",
        actor=actor,
        target=invitation,
        data={"email": email, "role": role, "restaurants": invitation.restaurant_ids},
    )
    transaction.on_commit(lambda: send_staff_invitation(invitation=invitation, token=token))
    return invitation


def _locked_open(invitation: StaffInvitation) -> StaffInvitation:
    locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open:
        raise InvitationNotOpen
    return locked


@transaction.atomic
def resend_invitation(*, invitation: StaffInvitation, actor: User, actor_role: str) -> StaffInvitation:
    """A new link with a new lifetime; the one sent before stops working."""
    _check_assignable(actor_role=actor_role, role=invitation.role)
    locked = _locked_open(invitation)
    now = timezone.now()
    if (now - locked.last_sent_at).total_seconds() < settings.CONFIRMATION_RESEND_SECONDS:
        raise InvitationResendTooSoon  # the invitee's mailbox is not a channel to flood
    token = _new_token(locked, now=now)
    locked.save(update_fields=["token_hash", "last_sent_at", "expires_at"])
    record_audit(action="staff.invitation_resent", actor=actor, target=locked, data={"email": locked.email})
    transaction.on_commit(lambda: send_staff_invitation(invitation=locked, token=token))
    return locked


@transaction.atomic
def revoke_invitation(*, invitation: StaffInvitation, actor: User, actor_role: str) -> StaffInvitation:
    _check_assignable(actor_role=actor_role, role=invitation.role)
    locked = _locked_open(invitation)
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    record_audit(action="staff.invitation_revoked", actor=actor, target=locked, data={"email": locked.email})
    return locked


def send_staff_invitation(*, invitation: StaffInvitation, token: str) -> None:
    """Email the link on the chain's host, in the chain's language."""
    chain = invitation.chain
    context = {
        "chain": chain,
        "invitation": invitation,
        "accept_url": invitation_url(chain, token),
        "days": settings.STAFF_INVITATION_DAYS,
    }
    with translation.override(chain.default_language):
        subject = render_to_string("accounts/email/staff_invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/staff_invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def open_invitation_for_token(*, token: str, chain: Chain) -> StaffInvitation:
    """The open invitation of this chain that the link names, or the refusal the page shows."""
    invitation = (
        StaffInvitation.objects.filter(token_hash=token_hash(token), chain=chain).select_related("chain").first()
        if token
        else None
    )
    if invitation is None:
        raise InvitationInvalid
    if not invitation.is_open:
        raise InvitationClosed
    if invitation.is_expired:
        raise InvitationExpired
    return invitation


def invitee_has_account(invitation: StaffInvitation) -> bool:
    return User.objects.filter(email=invitation.email).exists()


@transaction.atomic
def accept_invitation(
    *, token: str, chain: Chain, password: str, client_address: str, full_name: str = ""
) -> tuple[User, Membership]:
    """Rule 2 and 5: the invitee's own password (an existing account's, or a new one) turns the offer into a role.

    Runs in the chain's schema (its restaurants and audit log live there).
    """
    found = open_invitation_for_token(token=token, chain=chain)
    invitation = StaffInvitation.objects.select_for_update().get(pk=found.pk)
    if not invitation.is_open:
        raise InvitationClosed
    if invitation.is_expired:
        raise InvitationExpired
    # An existing account proves its password through the one sign-in door; else the account is made here.
    user = obtain_user(
        email=invitation.email,
        password=password,
        client_address=client_address,
        full_name=full_name.strip() or invitation.full_name,
    )
    if Membership.objects.filter(user=user, chain=chain, is_active=True).exists():
        raise AlreadyStaff
    require_allowed(chain, Limit.STAFF)
    restaurants = list(Restaurant.objects.filter(pk__in=invitation.restaurant_ids))
    membership = grant_membership(
        user=user, chain_id=chain.id, role=invitation.role, restaurants=restaurants, actor=invitation.invited_by
    )
    now = timezone.now()
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    User.objects.filter(pk=user.pk).update(email_confirmed_at=now)
    record_audit(action="staff.invitation_accepted", actor=user, target=invitation, data={"role": invitation.role})
    return user, membership
