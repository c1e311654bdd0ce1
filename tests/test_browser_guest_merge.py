"""In a real browser: an owner finds two profiles of one guest on the duplicates page (from the guest list), compares
them side by side, merges them into the one chosen, follows the merged profile's old link to the survivor, and
undoes the merge from the duplicates page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import chain_url, committed, screenshot
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _twins(schema_name: str) -> tuple[int, int]:
    def make() -> tuple[int, int]:
        from django_tenants.utils import schema_context

        from guests.services import create_guest

        with schema_context(schema_name):
            first = create_guest(access=None, phone="+79037770001", first_name="Vera", email="vera@browser.test")
            second = create_guest(access=None, phone="+79037770002", first_name="Vera", email="VERA@browser.test")
            return first.pk, second.pk

    return committed(make)


def _drop(schema_name: str, guest_ids: tuple[int, int]) -> None:
    def drop() -> None:
        from django.db import connection
        from django_tenants.utils import schema_context

        ids = list(guest_ids)
        with schema_context(schema_name), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM guests_guestmerge WHERE survivor_id = ANY(%s) OR merged_id = ANY(%s)", [ids, ids]
            )
            cursor.execute("UPDATE guests_guest SET merged_into_id = NULL WHERE id = ANY(%s)", [ids])
            for table, column in (
                ("audit_auditentry", "object_id"),
                ("loyalty_ledgerentry", "guest_id"),
                ("loyalty_pointsaccount", "guest_id"),
                ("guests_duplicatecandidate", "first_id"),  # the pair the page's first look stored
                ("guests_duplicatecandidate", "second_id"),
                ("guests_restaurantguest", "guest_id"),
                ("guests_guest", "id"),
            ):
                values = [str(value) for value in ids] if column == "object_id" else ids
                cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [values])  # noqa: S608

    committed(drop)


def test_owner_merges_two_profiles_and_undoes_it(worlds: Any, live_site: Any, page: Any) -> None:
    world = worlds["alpha"]
    first_id, second_id = _twins(world.chain.schema_name)
    try:
        page.goto(chain_url(live_site, world.host, "/accounts/login/"))
        page.fill("input[name=email]", "owner@alpha.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/")
        page.goto(chain_url(live_site, world.host, "/guests/"))
        page.click("[data-testid=duplicates-link]")
        page.wait_for_url("**/guests/duplicates/")
        page.click(f"[data-testid=pair-{first_id}-{second_id}] a.button")
        page.wait_for_url(f"**/guests/merge/{first_id}/{second_id}/")
        screenshot(page, "guest-merge-compare")
        page.check(f"input[name=keep][value='{second_id}']")
        page.click("[data-testid=merge-button]")
        page.wait_for_url(f"**/guests/{second_id}/")
        page.goto(chain_url(live_site, world.host, f"/guests/{first_id}/"))
        page.wait_for_url(f"**/guests/{second_id}/")  # the merged profile's old link leads to the survivor
        page.goto(chain_url(live_site, world.host, "/guests/duplicates/"))
        page.click("[data-testid=recent-merges] button[type=submit]")
        page.wait_for_url(f"**/guests/{first_id}/")
        screenshot(page, "guest-merge-undone")
    finally:
        _drop(world.chain.schema_name, (first_id, second_id))
