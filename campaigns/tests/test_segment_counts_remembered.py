"""A segment's count and preview are remembered per viewer for SEGMENT_COUNT_CACHE_SECONDS (at 1M guests each costs
about a second and the list, the builder and the API ask again and again), while sending always reads the segment
afresh; another viewer's restaurants, other filters and a setting of 0 each count anew."""

from __future__ import annotations

from collections.abc import Callable

from django.test import override_settings

from accounts.access import ChainAccess
from campaigns.selectors import segment_guests, segment_preview, segment_size
from campaigns.services import set_managers_may_use_segments
from guests.tests.factories import GuestFactory
from tests.fixtures import ChainWorld

VIP = {"tags": ["vip"]}


def test_a_count_is_remembered_while_the_segment_itself_stays_live(
    alpha: ChainWorld, access_of: Callable[[str], ChainAccess]
) -> None:
    owner = access_of("owner")
    GuestFactory(first_name="Vera", tags=["vip"])
    first = segment_preview(VIP, owner)

    GuestFactory(first_name="Vlad", tags=["vip"])

    assert first.count.total == 1 and [member.name.split()[0] for member in first.members] == ["Vera"]
    assert segment_size(VIP, owner).total == 1  # remembered
    assert len(segment_preview(VIP, owner).members) == 1
    assert segment_guests(VIP, None).count() == 2  # what a campaign sends to is read afresh
    assert segment_size({"tags": ["vip"], "points_min": 0}, owner).total == 2  # other filters: counted anew


def test_nothing_is_remembered_when_the_setting_is_zero(
    alpha: ChainWorld, access_of: Callable[[str], ChainAccess]
) -> None:
    owner = access_of("owner")
    with override_settings(SEGMENT_COUNT_CACHE_SECONDS=0):
        GuestFactory(tags=["vip"])
        before = segment_size(VIP, owner).total
        GuestFactory(tags=["vip"])
        after = segment_size(VIP, owner).total

    assert (before, after) == (1, 2)


def test_a_manager_never_reads_the_owners_remembered_count(
    alpha: ChainWorld, access_of: Callable[[str], ChainAccess]
) -> None:
    owner = access_of("owner")
    set_managers_may_use_segments(access=owner, allowed=True)
    GuestFactory(tags=["vip"], home_restaurant=alpha.restaurants[1])
    GuestFactory(tags=["vip"], home_restaurant=alpha.restaurants[0])

    owners = segment_size(VIP, owner).total
    managers = segment_size(VIP, access_of("manager")).total

    assert (owners, managers) == (2, 1)
