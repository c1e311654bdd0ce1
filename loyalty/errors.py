"""Refusals of the loyalty domain, each carrying its API code and status (rendered by maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, DomainError, ValidationFailed


class InsufficientPoints(Conflict):
    """Raised with available=<points the guest has> and requested=<points asked for>."""

    code, message = "insufficient_points", _("Not enough points")


class RedemptionLimitExceeded(ValidationFailed):
    """Raised with limit="min_points" | "max_share" and the figure of that limit."""

    code, message = "redemption_limit_exceeded", _("The redemption exceeds a limit of the loyalty program")


class GrantNotAllowed(DomainError):
    """Points made by hand (a bonus or an adjustment) by someone whose role may not make them at all."""

    code, status, message = (
        "grant_not_allowed",
        403,
        _("Your role may not give points by hand: points for a purchase come from the check"),
    )


class RedeemNotAllowed(DomainError):
    """A staff member whose role (or restaurant) does not allow spending a guest's points (loyalty.rights)."""

    code, status, message = "redeem_not_allowed", 403, _("Your role may not spend a guest's points here")


class GrantLimitExceeded(DomainError):
    """Raised with limit=<the most points this role may move at a time> and requested=<points asked for>."""

    code, status, message = "grant_limit_exceeded", 403, _("Above your limit: only an owner or admin may do this")


class NotReversible(ValidationFailed):
    code, message = "not_reversible", _("This operation cannot be reversed")


class AlreadyReversed(Conflict):
    code, message = "already_reversed", _("This operation has already been reversed")


class IdempotencyKeyReused(ValidationFailed):
    code, message = "idempotency_key_reused", _("This Idempotency-Key was already used for a different request")


class IdempotencyKeyRequired(DomainError):
    code, status, message = "idempotency_key_required", 400, _("Send an Idempotency-Key header (1–100 characters)")


class GuestNotActive(Conflict):
    code, message = "guest_not_active", _("This guest is blocked or erased: points cannot be earned or spent")


class PointsFrozen(Conflict):
    """The guest's points are held by a fraud review (PointsAccount.frozen_at): nothing can be spent meanwhile."""

    code, message = (
        "points_frozen",
        _("This guest's points are frozen pending a review: they cannot be spent until the owner or an admin lifts it"),
    )


class CheckNotFound(DomainError):
    code, status, message = "check_not_found", 404, _("No check applied with this receipt or key")


class UndoWindowPassed(DomainError):
    code, status, message = (
        "undo_window_passed",
        403,
        _("Only your own operations can be undone, within the undo window"),
    )


class RestaurantRequired(ValidationFailed):
    code, message = "restaurant_required", _("Name one of your restaurants")


class DuplicateLevel(Conflict):
    code, message = "duplicate_level", _("Another level has this name or threshold")


class DuplicatePromoCode(Conflict):
    code, message = "duplicate_promo_code", _("This promo code already exists")


class DraftNotFound(DomainError):
    code, status, message = "draft_not_found", 404, _("No such program draft")


class BacktestNotFound(DomainError):
    code, status, message = "backtest_not_found", 404, _("No such backtest")


class DraftAlreadyPublished(Conflict):
    code, message = "draft_published", _("This draft was published already: start a new draft")
