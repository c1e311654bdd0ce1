"""Writes on users and memberships: adding staff to a chain, their role and restaurants, deactivation."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Membership, User
from accounts.roles import RESTAURANT_PERMISSION, RESTAURANT_SCOPED_ROLES
from audit.services import record_audit
from maxloyalty.errors import Conflict, ValidationFailed
from pos.models import Restaurant


class EmailTakenWithOtherPassword(Conflict):
    code, message = "email_taken", _("This email is already registered; enter that account's password to use it.")


def obtain_user(*, email: str, password: str, full_name: str = "") -> User:
    """The existing user with this email (the password must match), or a new one with a strong password."""
    email = User.objects.normalize_email(email).strip().lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        if not existing.check_password(password):
            raise EmailTakenWithOtherPassword(fields={"email": [str(EmailTakenWithOtherPassword.message)]})
        return existing
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationFailed(_("The password is too weak"), fields={"password": list(error.messages)}) from error
    candidate.set_password(password)
    candidate.save()
    return candidate


@transaction.atomic
def grant_membership(
    *, user: User, chain_id: int, role: str, restaurants: Iterable[Restaurant] = (), actor: User | None = None
) -> Membership:
    """Give the user a role in the chain whose schema is active (managers and cashiers: in these restaurants)."""
    membership, created = Membership.objects.update_or_create(
        user=user, chain_id=chain_id, defaults={"role": role, "is_active": True}
    )
    set_restaurants(user=user, restaurants=restaurants if role in RESTAURANT_SCOPED_ROLES else ())
    record_audit(
        action="staff.granted" if created else "staff.changed",
        actor=actor,
        target=user,
        data={"role": role, "restaurants": [restaurant.pk for restaurant in restaurants]},
    )
    return membership


def set_restaurants(*, user: User, restaurants: Iterable[Restaurant]) -> None:
    wanted = {restaurant.pk: restaurant for restaurant in restaurants}
    for restaurant in Restaurant.objects.all():
        if restaurant.pk in wanted:
            assign_perm(RESTAURANT_PERMISSION, user, restaurant)
        else:
            remove_perm(RESTAURANT_PERMISSION, user, restaurant)
