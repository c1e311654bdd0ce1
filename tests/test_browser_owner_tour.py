"""In a real browser, an owner's tour: dashboard → guests → guest detail → manual adjustment (the balance on screen
changes) → loyalty settings preview (the result appears) → the export links answer with the guest in them."""

import io
import secrets
from pathlib import Path

import openpyxl
import pytest
from django_tenants.utils import schema_context

from tests.browser import chain_url, committed, screenshot
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def add_tour_guest(worlds):
    """Commits a guest in chain alpha for the live site when called; deletes them and what was written about them
    afterwards. Called after the dashboard is seen, so the dashboard's cached figures never count this guest."""
    from guests.services import create_guest

    schema_name = worlds["alpha"].chain.schema_name
    created = []

    def add():
        phone = f"+7999{secrets.randbelow(10**7):07d}"

        def create():
            with schema_context(schema_name):
                return create_guest(access=None, phone=phone, first_name="Tatiana", last_name="Tourova")

        created.append(committed(create))
        return created[-1]

    yield add

    def delete():
        from audit.models import AuditEntry
        from guests.models import Guest
        from loyalty.models import LedgerEntry, PointsAccount

        ids = [guest.pk for guest in created]
        with schema_context(schema_name):
            LedgerEntry.objects.filter(guest_id__in=ids).delete()
            PointsAccount.objects.filter(guest_id__in=ids).delete()
            AuditEntry.objects.filter(object_id__in=[str(pk) for pk in ids], object_type="guests.guest").delete()
            Guest.objects.filter(pk__in=ids).delete()

    committed(delete)


def _available(page) -> int:
    return int(page.get_by_test_id("available").inner_text())


def test_owner_tours_guests_adjusts_points_previews_earning_and_exports(worlds, live_site, page, add_tour_guest):
    world = worlds["alpha"]
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", world.user("owner").email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    screenshot(page, "tour-1-dashboard")
    tour_guest = add_tour_guest()

    page.click("nav.sidebar a[href='/guests/']")
    page.wait_for_url("**/guests/")
    page.fill("input[name=q]", tour_guest.phone)
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(f"a[href='/guests/{tour_guest.pk}/']")
    assert page.locator("[data-testid=guest-row]").count() == 1
    screenshot(page, "tour-2-guests")

    page.click(f"a[href='/guests/{tour_guest.pk}/']")
    page.wait_for_selector("[data-testid=available]")
    assert "Tatiana" in page.inner_text("[data-testid=guest-name]")
    before = _available(page)
    page.fill("#guest-points input[name=points]", "150")
    page.fill("#guest-points input[name=reason]", "Birthday dinner apology")
    page.click("[data-testid=adjust]")
    page.wait_for_selector("[data-testid=adjusted]")
    screenshot(page, "tour-3-adjusted")
    assert _available(page) == before + 150
    assert "Birthday dinner apology" in page.inner_text("#guest-points")

    page.click("nav.sidebar a[href='/loyalty/']")
    page.wait_for_url("**/loyalty/")
    page.fill(".loyalty-preview input[name=amount]", "2000")
    page.click(".loyalty-preview button[type=submit]")
    page.wait_for_selector("[data-testid=preview-result]")
    assert int(page.inner_text("[data-testid=preview-points]")) >= 0
    assert "2000" in page.inner_text("[data-testid=preview-result]")
    screenshot(page, "tour-4-preview")

    page.click("nav.sidebar a[href='/guests/']")
    page.wait_for_url("**/guests/")
    page.fill("input[name=q]", tour_guest.phone)
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(f"a[href='/guests/{tour_guest.pk}/']")
    with page.expect_download() as csv_download:
        page.click("[data-testid=export-csv]")
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert tour_guest.phone in csv_text
    assert "Tatiana" in csv_text
    with page.expect_download() as xlsx_download:
        page.click("[data-testid=export-xlsx]")
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(Path(xlsx_download.value.path()).read_bytes()), read_only=True
        ).active.iter_rows(values_only=True)
    )
    assert [row[1] for row in rows[1:]] == [tour_guest.phone]
    screenshot(page, "tour-5-guests-export")
