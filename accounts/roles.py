"""The role → permission map: the only place that says what each role may do (API and pages both read it)."""

from __future__ import annotations

from enum import StrEnum

from accounts.models import Role


class Permission(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_GUESTS = "guests.view"
    CREATE_GUEST = "guests.create"
    EDIT_GUEST = "guests.edit"
    ERASE_GUEST = "guests.erase"
    IMPORT_GUESTS = "guests.import"
    EXPORT_GUESTS = "guests.export"
    VIEW_GUEST_CONTACTS = "guests.view_contacts"  # unmasked phone and email
    BROWSE_GUESTS = "guests.browse"  # the guest base pages (list, detail); cashiers find guests at the till only
    ACCRUE_POINTS = "points.accrue"
    REDEEM_POINTS = "points.redeem"
    UNDO_OWN_OPERATION = "points.undo_own"  # within the chain's undo window
    REVERSE_OPERATION = "points.reverse"  # any operation, any time
    ADJUST_POINTS = "points.adjust"  # manual adjustment up to the manager limit
    ADJUST_POINTS_UNLIMITED = "points.adjust_unlimited"
    MANAGE_PROGRAM = "loyalty.manage"  # program settings, levels, promos
    VIEW_ANALYTICS = "analytics.view"
    VIEW_LIABILITY = "analytics.liability"  # the chain-wide points liability and its statement (#27): owner, admin
    MANAGE_RESTAURANTS = "restaurants.manage"
    MANAGE_POS = "pos.manage"
    MANAGE_STAFF = "staff.manage"
    VIEW_BILLING = "billing.view"
    MANAGE_BILLING = "billing.manage"
    MANAGE_SETTINGS = "settings.manage"
    VIEW_AUDIT = "audit.view"
    USE_CASHIER_PAGE = "cashier.use"
    MANAGE_SAMPLE_DATA = "sample_data.manage"  # turn the sample data of a new chain on and off (#28): owner only
    MANAGE_SEGMENTS = "segments.manage"  # saved segments over every guest (#26): owner, admin
    # Saved segments over their restaurants' guests, only while the chain allows it (campaigns.selectors): manager
    MANAGE_RESTAURANT_SEGMENTS = "segments.manage_restaurant_guests"
    MERGE_GUESTS = "guests.merge"  # find duplicate guests, merge them and undo a merge (#27): owner, admin
    REVIEW_FRAUD = "fraud.review"  # the fraud flags' queue, freezes and thresholds (#27): owner, admin


_CASHIER = {
    Permission.USE_CASHIER_PAGE,
    Permission.VIEW_GUESTS,
    Permission.CREATE_GUEST,
    Permission.ACCRUE_POINTS,
    Permission.REDEEM_POINTS,
    Permission.UNDO_OWN_OPERATION,
}
_MANAGER = _CASHIER | {
    Permission.VIEW_DASHBOARD,
    Permission.BROWSE_GUESTS,
    Permission.EDIT_GUEST,
    Permission.EXPORT_GUESTS,
    Permission.VIEW_GUEST_CONTACTS,
    Permission.REVERSE_OPERATION,
    Permission.ADJUST_POINTS,
    Permission.VIEW_ANALYTICS,
    Permission.MANAGE_RESTAURANT_SEGMENTS,
}
_ADMIN = _MANAGER | {
    Permission.ERASE_GUEST,
    Permission.IMPORT_GUESTS,
    Permission.ADJUST_POINTS_UNLIMITED,
    Permission.MANAGE_PROGRAM,
    Permission.VIEW_LIABILITY,
    Permission.MANAGE_RESTAURANTS,
    Permission.MANAGE_POS,
    Permission.MANAGE_STAFF,
    Permission.MANAGE_SETTINGS,
    Permission.VIEW_AUDIT,
    Permission.MANAGE_SEGMENTS,
    Permission.MERGE_GUESTS,
    Permission.REVIEW_FRAUD,
}
_OWNER = set(Permission)

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.MANAGER: frozenset(_MANAGER),
    Role.CASHIER: frozenset(_CASHIER),
}

# These roles work only in the restaurants assigned to them (guardian object permission on restaurants.Restaurant).
RESTAURANT_SCOPED_ROLES = frozenset({Role.MANAGER, Role.CASHIER})
RESTAURANT_PERMISSION = "restaurants.work_at_restaurant"

# Which roles a role may give to staff it invites or edits.
ASSIGNABLE_ROLES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.CASHIER}),
    Role.ADMIN: frozenset({Role.MANAGER, Role.CASHIER}),
    Role.MANAGER: frozenset(),
    Role.CASHIER: frozenset(),
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
