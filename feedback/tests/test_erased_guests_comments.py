"""Erasing a guest (152-FZ / GDPR) empties their rating comments, which may name them; the anonymous scores stay in
the restaurants' figures."""

from __future__ import annotations

from feedback.models import VisitRating
from feedback.services import rate_visit_by_link
from feedback.tests.conftest import link_token
from guests.services import erase_guest


def test_an_erased_guests_comment_is_gone_and_the_score_stays(alpha, asked):
    request = asked(email="erase-me@example.com")
    rate_visit_by_link(token=link_token(request), score=4, comment="I am Anna Petrova, table 5")

    erase_guest(guest=request.guest, access=None, reason="guest asked", actor=alpha.user("owner"))

    rating = VisitRating.objects.get(applied_check=request.applied_check)
    assert (rating.score, rating.comment) == (4, "")
