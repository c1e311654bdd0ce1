"""A segment's preview shows contacts as the viewer may see them (guests.masking): whole for roles that see
contacts, masked for any other viewer, and the first members only."""

from __future__ import annotations

from campaigns.selectors import PREVIEW_SIZE, segment_preview
from guests.tests.factories import GuestFactory
from tests.fixtures import ChainWorld


def test_contacts_whole_for_the_owner_and_masked_for_a_viewer_without_the_right(alpha: ChainWorld, access_of) -> None:
    GuestFactory(phone="+79161234567", email="ivan@mail.ru", tags=["vip"], home_restaurant=alpha.restaurants[0])

    (whole,) = segment_preview({"tags": ["vip"]}, access_of("owner")).members
    (masked,) = segment_preview({"tags": ["vip"]}, access_of("cashier")).members

    assert (whole.phone, whole.email) == ("+79161234567", "ivan@mail.ru")
    assert (masked.phone, masked.email) == ("+7 916 ***-**-67", "i***@mail.ru")


def test_the_preview_lists_the_first_members_and_counts_them_all(alpha: ChainWorld, access_of) -> None:
    for _ in range(PREVIEW_SIZE + 2):
        GuestFactory(tags=["crowd"])

    preview = segment_preview({"tags": ["crowd"]}, access_of("owner"))

    assert len(preview.members) == PREVIEW_SIZE
    assert (preview.count.total, preview.count.more) == (PREVIEW_SIZE + 2, False)
