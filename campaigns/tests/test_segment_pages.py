"""The segment pages, as an owner uses them: the live count and preview while filters change, saving, the list
with counts, editing, a readable refusal, deleting behind a confirmation; and the chain's switch for managers."""

from __future__ import annotations

from campaigns.models import CampaignSettings, Segment
from guests.tests.factories import GuestFactory
from tests.fixtures import ChainWorld, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_preview_counts_and_lists_the_guests_as_filters_change(alpha: ChainWorld) -> None:
    GuestFactory(first_name="Vera", tags=["vip"])
    GuestFactory(first_name="Oleg", tags=["regular"])
    client = signed_in_client(alpha, "owner")

    vip = client.get("/segments/preview/", {"tags": "vip"}, **HTMX)
    both = client.get("/segments/preview/", {"tags": "vip, regular"}, **HTMX)

    assert vip.status_code == 200
    assert '<strong data-testid="preview-count">1</strong>' in vip.content.decode()
    assert "Vera" in vip.content.decode() and "Oleg" not in vip.content.decode()
    assert '<strong data-testid="preview-count">2</strong>' in both.content.decode()


def test_the_preview_shows_a_wrong_filter_readably(alpha: ChainWorld) -> None:
    answer = signed_in_client(alpha, "owner").get("/segments/preview/", {"points_min": 50, "points_max": 10}, **HTMX)

    assert answer.status_code == 200
    assert "The maximum is below the minimum." in answer.content.decode()


def test_an_owner_creates_lists_edits_and_deletes_a_segment(alpha: ChainWorld) -> None:
    GuestFactory(tags=["vip"], consents={"email": True})
    client = signed_in_client(alpha, "owner")
    assert client.get("/segments/new/").status_code == 200

    created = client.post(
        "/segments/new/",
        {"name": "VIP by email", "tags": "vip", "reachable_channels": ["email"], "visits_days": 30, "spend_days": 30},
    )
    segment = Segment.objects.get(name="VIP by email")
    listed = client.get("/segments/").content.decode()
    counted = client.get(f"/segments/{segment.pk}/count/", **HTMX).content.decode()
    edited = client.post(f"/segments/{segment.pk}/", {"name": "VIP", "tags": "vip", "birthday_month": "5"})
    confirm = client.get(f"/segments/{segment.pk}/delete/")
    deleted = client.post(f"/segments/{segment.pk}/delete/")

    assert created.status_code == 302
    assert segment.filters == {"tags": ["vip"], "reachable_channels": ["email"]}
    assert "VIP by email" in listed and f'hx-get="/segments/{segment.pk}/count/"' in listed
    assert '<span data-testid="segment-count-value">1</span>' in counted
    assert edited.status_code == 302
    assert confirm.status_code == 200 and "Delete the segment" in confirm.content.decode()
    assert deleted.status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_a_refused_save_keeps_the_input_and_says_why(alpha: ChainWorld) -> None:
    client = signed_in_client(alpha, "owner")
    client.post("/segments/new/", {"name": "Lapsed", "last_visit_days_min": 30})

    taken = client.post("/segments/new/", {"name": "lapsed", "last_visit_days_min": 60})
    no_days = client.post("/segments/new/", {"name": "Frequent", "visits_min": 3, "visits_days": ""})

    assert taken.status_code == no_days.status_code == 422
    assert "A segment with this name exists." in taken.content.decode()
    assert 'value="lapsed"' in taken.content.decode()
    assert "Say over how many days to count." in no_days.content.decode()
    assert Segment.objects.filter(name__iexact="lapsed").count() == 1
    assert not Segment.objects.filter(name="Frequent").exists()


def test_an_owner_lets_managers_build_segments(alpha: ChainWorld) -> None:
    client = signed_in_client(alpha, "owner")
    assert signed_in_client(alpha, "manager").get("/segments/").status_code == 403

    client.post("/segments/settings/", {"managers_may_use_segments": "on"})

    assert CampaignSettings.objects.get(pk=1).managers_may_use_segments
    assert signed_in_client(alpha, "manager").get("/segments/").status_code == 200
