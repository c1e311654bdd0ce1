"""Errors of feedback: what the rating page, the bot and the API show."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import DomainError, NotFound


class RatingLinkInvalid(NotFound):
    code, message = "rating_link_invalid", _("This rating link is not valid.")


class RatingLinkExpired(DomainError):
    code, status, message = "rating_link_expired", 410, _("This rating link has expired. Thank you all the same!")


class ScoreInvalid(DomainError):
    code, status, message = "score_invalid", 422, _("Choose a rating from 1 to 5.")
