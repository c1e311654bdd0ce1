"""Refusals of the guests domain, each carrying its API code and status (rendered by maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError, NotFound, ValidationFailed


class GuestNotFound(NotFound):
    code, message = "guest_not_found", _("Guest not found")


class DuplicateGuest(Conflict):
    """Raised with existing_guest_id=<id> so the client can open the guest that already has this phone."""

    code, message = "duplicate_guest", _("A guest with this phone number already exists")


class DuplicateCard(Conflict):
    code, message = "duplicate_card", _("This card number already belongs to another guest")


class MalformedPhone(ValidationFailed):
    code, message = "malformed_phone", _("The phone number is not valid")


class RestaurantOutOfReach(ValidationFailed):
    code, message = "restaurant_out_of_reach", _("You cannot assign guests to this restaurant")


class HomeRestaurantRequired(ValidationFailed):
    code, message = "home_restaurant_required", _("Choose the guest's home restaurant (one of yours)")


class TooManyPhoneProbes(DomainError):
    code, status, message = "too_many_phone_lookups", 429, _("Too many phone numbers tried. Wait a few minutes.")


class GuestErased(Conflict):
    code, message = "guest_erased", _("This guest's personal data has been erased")


class ImportFileInvalid(ValidationFailed):
    code, message = "import_file_invalid", _("The file cannot be imported")


class GuestMerged(NotFound):
    """A profile merged into another (guests.merge): raised with merged_into=<id>, the profile that answers now."""

    code, message = "guest_merged", _("This guest was merged into another profile")


class GuestMergeNotFound(NotFound):
    code, message = "guest_merge_not_found", _("Merge not found")


class CannotMergeGuest(Conflict):
    code, message = "cannot_merge_guest", _("These guests cannot be merged")


class MergeUndoRefused(Conflict):
    code, message = "merge_undo_refused", _("This merge cannot be undone")
