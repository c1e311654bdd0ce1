"""The guest list pages newest first by keyset when it is not searched or reordered: each page's links carry the
edge row's cursor, so a deep page is an index range instead of OFFSET; the page still reads "Page 2 of 3 (60
guests)". The API offers the same through `cursor` (DRF's cursor pagination)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guests.models import Guest
from guests.selectors import guest_list
from guests.tests.factories import GuestFactory
from maxloyalty.keyset import keyset_page
from tests.fixtures import api_as, signed_in_client


@pytest.fixture
def sixty(alpha):
    GuestFactory.create_batch(60)
    return list(Guest.objects.order_by("-created_at", "-id").values_list("pk", flat=True))


def _row_ids(response):
    return [row["guest"].pk for row in response.context["rows"]]


def _link(response, testid):
    found = re.search(rf'href="\?([^"]*)" rel="(?:next|prev)" data-testid="{testid}"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def test_following_next_walks_every_guest_once_newest_first(alpha, sixty):
    client = signed_in_client(alpha, "owner")
    seen, response, pages = [], client.get("/guests/"), []
    while True:
        seen += _row_ids(response)
        pages.append(re.search(r"Page \d+ of \d+ \(\d+ guests\)", response.content.decode()).group(0))
        link = _link(response, "page-next")
        if link is None:
            break
        assert "cursor=" in link
        response = client.get(f"/guests/?{link}")
    assert seen == sixty
    assert pages == ["Page 1 of 3 (60 guests)", "Page 2 of 3 (60 guests)", "Page 3 of 3 (60 guests)"]


def test_previous_comes_back_to_the_same_rows(alpha, sixty):
    client = signed_in_client(alpha, "owner")
    second = client.get(f"/guests/?{_link(client.get('/guests/'), 'page-next')}")
    third = client.get(f"/guests/?{_link(second, 'page-next')}")
    back = client.get(f"/guests/?{_link(third, 'page-previous')}")
    assert _row_ids(back) == _row_ids(second) == sixty[25:50]
    assert "Page 2 of 3 (60 guests)" in back.content.decode()
    first = client.get(f"/guests/?{_link(back, 'page-previous')}")
    assert _row_ids(first) == sixty[:25]
    assert _link(first, "page-previous") is None


def test_a_deep_page_reads_a_range_not_an_offset(alpha, sixty):
    client = signed_in_client(alpha, "owner")
    second = client.get(f"/guests/?{_link(client.get('/guests/'), 'page-next')}")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/guests/?{_link(second, 'page-next')}")
    listing = [query["sql"] for query in queries.captured_queries if 'FROM "guests_guest"' in query["sql"]]
    assert listing
    assert not any("OFFSET" in sql for sql in listing)


def test_filters_stay_on_the_pages_links(alpha):
    for _ in range(30):
        GuestFactory(tags=["vip"])
    GuestFactory(tags=["other"])
    response = signed_in_client(alpha, "owner").get("/guests/", {"tag": "vip"})
    link = _link(response, "page-next")
    assert "tag=vip" in link
    assert "Page 1 of 2 (30 guests)" in response.content.decode()


def test_guests_created_at_the_same_moment_are_neither_lost_nor_repeated(alpha, access_of):
    guests = GuestFactory.create_batch(7)
    Guest.objects.filter(pk__in=[guest.pk for guest in guests]).update(created_at=timezone.now())
    listed = guest_list(access=access_of("owner"))
    seen, cursor = [], None
    while True:
        page = keyset_page(listed, time_field="created_at", cursor=cursor, size=3)
        seen += [guest.pk for guest in page.rows]
        if page.older_cursor is None:
            break
        cursor = page.older_cursor
    assert seen == sorted((guest.pk for guest in guests), reverse=True)


def test_the_api_pages_by_cursor_when_asked(alpha, sixty):
    api = api_as(alpha, "owner")
    body = api.get("/api/v1/guests", {"cursor": "", "page_size": 25}).json()
    assert "count" not in body
    assert body["previous"] is None
    seen = [row["id"] for row in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [row["id"] for row in body["results"]]
    assert seen == sixty


def test_the_api_keeps_page_numbers_and_count_by_default(alpha, sixty):
    body = api_as(alpha, "owner").get("/api/v1/guests", {"page": 2, "page_size": 25}).json()
    assert body["count"] == 60
    assert [row["id"] for row in body["results"]] == sixty[25:50]


def test_the_api_counts_up_to_the_cap_and_says_so(alpha, sixty, monkeypatch):
    """The API's page-number pages share the page's count rule (guests.selectors.count_guests): past the cap
    `count` stops there with `count_is_capped`; a page number beyond the capped count is still served."""
    monkeypatch.setattr("guests.selectors.GUEST_COUNT_CAP", 40)
    api = api_as(alpha, "owner")
    first = api.get("/api/v1/guests", {"page_size": 25}).json()
    assert (first["count"], first["count_is_capped"]) == (40, True)
    assert [row["id"] for row in first["results"]] == sixty[:25]
    third = api.get("/api/v1/guests", {"page": 3, "page_size": 25})
    assert third.status_code == 200
    assert (third.json()["count"], third.json()["count_is_capped"]) == (60, False)
    assert [row["id"] for row in third.json()["results"]] == sixty[50:]
    assert third.json()["next"] is None
    assert api.get("/api/v1/guests", {"page": 4, "page_size": 25}).status_code == 404


def test_a_short_list_is_counted_exactly(alpha, sixty):
    body = api_as(alpha, "owner").get("/api/v1/guests", {"page_size": 25}).json()
    assert (body["count"], body["count_is_capped"]) == (60, False)


def test_a_list_longer_than_the_count_cap_says_more_than_and_still_pages(alpha, sixty, monkeypatch):
    """A chain of a million guests is not counted on every page (a scan of the table): past the cap the pager says
    "more than" and the next link still leads on."""
    monkeypatch.setattr("guests.selectors.GUEST_COUNT_CAP", 40)
    client = signed_in_client(alpha, "owner")
    response = client.get("/guests/")
    assert "Page 1 (more than 40 guests)" in response.content.decode()
    assert _row_ids(response) == sixty[:25]
    following = client.get(f"/guests/?{_link(response, 'page-next')}")
    assert _row_ids(following) == sixty[25:50]
