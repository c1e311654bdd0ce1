"""Refusals of the fraud review, each carrying its API code and status (rendered by maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, NotFound, ValidationFailed


class FlagNotFound(NotFound):
    code, message = "flag_not_found", _("No such fraud flag")


class FlagHasNoGuest(Conflict):
    code, message = "flag_has_no_guest", _("This flag is about a staff member: there are no guest's points to freeze")


class EntryNotInFlag(ValidationFailed):
    code, message = "entry_not_in_flag", _("Only the operations this flag names can be reversed from it")
