"""Writes on users and memberships: roles and restaurants, deactivation (invitations: accounts.invitations)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.access import assigned_restaurant_ids
from accounts.errors import CannotChangeYourself, InvalidCredentials, LastOwner, RoleNotAssignable
from accounts.models import Membership, Role, User
from accounts.roles import ASSIGNABLE_ROLES, RESTAURANT_PERMISSION, RESTAURANT_SCOPED_ROLES
from accounts.sign_in import prove_password
from audit.services import changes_between, record_audit
from maxloyalty.errors import ValidationFailed
from restaurants.models import Restaurant


def obtain_user(*, email: str, password: str, client_address: str, full_name: str = "") -> User:
    """The existing user with this email (the password must match), or a new one with a strong password.

    client_address is the address of the browser that typed the password (maxloyalty.client_ip.client_ip): an
    existing account's password is proved through the one sign-in door (accounts.sign_in.prove_password) on the
    platform host, with its locks and its answer (InvalidCredentials, SignInLocked), never by a bare check here.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email=email).exists():
        try:
            return prove_password(email=email, password=password, client_address=client_address)
        except InvalidCredentials as error:
            raise InvalidCredentials(fields={"password": [str(InvalidCredentials.message)]}) from error
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


def _check_assignable(*, actor_role: str, role: str, current_role: str | None = None) -> None:
    assignable = ASSIGNABLE_ROLES.get(actor_role, frozenset())
    if role not in assignable or (current_role is not None and current_role not in assignable):
        raise RoleNotAssignable(fields={"role": [str(RoleNotAssignable.message)]})


def _active_owners(chain_id: int) -> int:
    return Membership.objects.filter(chain_id=chain_id, role=Role.OWNER, is_active=True).count()


@transaction.atomic
def change_staff(
    *, membership: Membership, role: str, restaurants: Iterable[Restaurant], actor: User, actor_role: str
) -> Membership:
    if membership.user_id == actor.pk:
        raise CannotChangeYourself
    _check_assignable(actor_role=actor_role, role=role, current_role=membership.role)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.OWNER and role != Role.OWNER and locked.is_active and _active_owners(locked.chain_id) <= 1:
        raise LastOwner
    before = {"role": locked.role, "restaurants": sorted(assigned_restaurant_ids(locked.user))}
    locked.role = role
    locked.save(update_fields=["role", "updated_at"])
    restaurants = list(restaurants)
    set_restaurants(user=locked.user, restaurants=restaurants if role in RESTAURANT_SCOPED_ROLES else ())
    after = {"role": role, "restaurants": sorted(assigned_restaurant_ids(locked.user))}
    record_audit(action="staff.changed", actor=actor, target=locked.user, changes=changes_between(before, after))
    return locked


@transaction.atomic
def set_staff_active(*, membership: Membership, is_active: bool, actor: User, actor_role: str) -> Membership:
    if membership.user_id == actor.pk:
        raise CannotChangeYourself
    _check_assignable(actor_role=actor_role, role=membership.role)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if not is_active and locked.role == Role.OWNER and locked.is_active and _active_owners(locked.chain_id) <= 1:
        raise LastOwner
    if locked.is_active != is_active:
        locked.is_active = is_active
        locked.save(update_fields=["is_active", "updated_at"])
        record_audit(
            action="staff.reactivated" if is_active else "staff.deactivated",
            actor=actor,
            target=locked.user,
            changes={"is_active": [not is_active, is_active]},
        )
    return locked
