"""Filters together mean all of them: a guest is in the segment only when every filter given picks them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campaigns.selectors import segment_guests
from guests.tests.factories import GuestFactory, visit
from tests.fixtures import ChainWorld


def test_every_filter_given_must_hold(alpha: ChainWorld) -> None:
    center = alpha.restaurants[0]
    target = GuestFactory(tags=["vip"], home_restaurant=center, consents={"email": True})
    not_vip = GuestFactory(tags=["new"], home_restaurant=center, consents={"email": True})
    no_consent = GuestFactory(tags=["vip"], home_restaurant=center)
    lapsed = GuestFactory(tags=["vip"], home_restaurant=center, consents={"email": True})
    for guest in (target, not_vip, no_consent):
        visit(alpha, guest=guest, amount="2000.00", at=timezone.now() - datetime.timedelta(days=2))
    visit(alpha, guest=lapsed, amount="2000.00", at=timezone.now() - datetime.timedelta(days=90))

    filters = {
        "tags": ["vip"],
        "home_restaurant_ids": [center.pk],
        "visits_days": 30,
        "visits_min": 1,
        "spend_days": 30,
        "spend_min_amount": "1000",
        "reachable_channels": ["email"],
    }
    found = set(segment_guests(filters, None).values_list("pk", flat=True))

    assert found & {target.pk, not_vip.pk, no_consent.pk, lapsed.pk} == {target.pk}


def test_a_saved_segment_is_evaluated_anew_each_time(alpha: ChainWorld, access_of) -> None:
    from campaigns.services import create_segment

    segment = create_segment(access=access_of("owner"), name="VIP", filters={"tags": ["vip"]})
    before = segment_guests(segment, None).count()
    GuestFactory(tags=["vip"])

    assert segment_guests(segment, None).count() == before + 1
