"""Each role may do exactly what the role map says; managers and cashiers only in their restaurants."""

import pytest

from accounts.access import resolve_access
from accounts.roles import Permission
from accounts.services import set_staff_active
from tests.fixtures import signed_in_client

P = Permission
# The product's rules, written out independently of accounts/roles.py so a change to the map must be deliberate.
EXPECTED = {
    "owner": set(Permission),
    "admin": set(Permission) - {P.VIEW_BILLING, P.MANAGE_BILLING, P.MANAGE_SAMPLE_DATA},
    "manager": {
        P.VIEW_DASHBOARD,
        P.VIEW_GUESTS,
        P.BROWSE_GUESTS,
        P.CREATE_GUEST,
        P.EDIT_GUEST,
        P.EXPORT_GUESTS,
        P.VIEW_GUEST_CONTACTS,
        P.ACCRUE_POINTS,
        P.REDEEM_POINTS,
        P.UNDO_OWN_OPERATION,
        P.REVERSE_OPERATION,
        P.ADJUST_POINTS,
        P.VIEW_ANALYTICS,
        P.USE_CASHIER_PAGE,
        P.MANAGE_RESTAURANT_SEGMENTS,  # effective only while the chain allows it (campaigns.selectors)
    },
    "cashier": {
        P.USE_CASHIER_PAGE,
        P.VIEW_GUESTS,
        P.CREATE_GUEST,
        P.ACCRUE_POINTS,
        P.REDEEM_POINTS,
        P.UNDO_OWN_OPERATION,
    },
}


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("permission", list(Permission))
def test_role_has_exactly_the_permissions_of_the_map(alpha, role, permission):
    access = resolve_access(alpha.user(role), alpha.chain.id)
    assert access is not None
    assert access.can(permission) is (permission in EXPECTED[role])


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_restaurant_scoped_roles_act_only_in_their_restaurants(alpha, role):
    access = resolve_access(alpha.user(role), alpha.chain.id)
    own, other = alpha.restaurants
    assert access.can(Permission.ACCRUE_POINTS, restaurant_id=own.id)
    assert not access.can(Permission.ACCRUE_POINTS, restaurant_id=other.id)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_act_in_every_restaurant(alpha, role):
    access = resolve_access(alpha.user(role), alpha.chain.id)
    assert all(access.can(Permission.ACCRUE_POINTS, restaurant_id=restaurant.id) for restaurant in alpha.restaurants)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("owner", "/dashboard/", 200),
        ("admin", "/dashboard/", 200),
        ("manager", "/dashboard/", 200),
        ("cashier", "/dashboard/", 403),
        ("owner", "/cashier/", 200),
        ("cashier", "/cashier/", 200),
    ],
)
def test_pages_follow_the_role_map(alpha, role, path, status):
    assert signed_in_client(alpha, role).get(path).status_code == status


def test_cashier_lands_on_the_till_and_others_on_the_dashboard(alpha):
    assert signed_in_client(alpha, "cashier").get("/")["Location"] == "/cashier/"
    assert signed_in_client(alpha, "manager").get("/")["Location"] == "/dashboard/"


def test_deactivated_membership_loses_access(alpha):
    membership = alpha.user("admin").memberships.get(chain=alpha.chain)
    set_staff_active(membership=membership, is_active=False, actor=alpha.user("owner"), actor_role="owner")
    assert resolve_access(alpha.user("admin"), alpha.chain.id) is None
    assert signed_in_client(alpha, "admin").get("/dashboard/").status_code == 302
