"""The draft and backtest pages: an owner or admin starts a draft from the program, edits it, runs a backtest whose
progress page polls until the figures show side by side, and publishes it; managers and cashiers are refused."""

import datetime
from decimal import Decimal

import pytest

from loyalty.models import Backtest, DraftStatus, ProgramDraft, ProgramSettings
from loyalty.rules import Check
from loyalty.selectors import local_now
from loyalty.services import apply_check, create_draft, start_backtest
from loyalty.tests.factories import GuestFactory
from tests.fixtures import signed_in_client


@pytest.fixture
def draft(alpha):
    return create_draft(actor=None, name="Summer")


def _form_data(draft, **changes):
    program = draft.data["program"]
    data = {
        name: program[name]
        for name in (
            "base_earn_rate_percent",
            "rounding",
            "earn_base",
            "point_value_amount",
            "min_redeem_points",
            "max_redeem_share_percent",
            "activation_delay_hours",
            "expiry_days",
            "level_threshold_mode",
            "level_rolling_days",
        )
    }
    data.update(name=draft.name, excluded_categories="")
    for rows in ("levels", "promos"):
        data.update({f"{rows}-TOTAL_FORMS": 0, f"{rows}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 403), ("cashier", 403)])
def test_pages_are_for_owners_and_admins(alpha, draft, role, status):
    backtest = start_backtest(draft=draft, days=30, actor=None)
    client = signed_in_client(alpha, role)
    for path in ("/loyalty/drafts/", f"/loyalty/drafts/{draft.pk}/", f"/loyalty/backtests/{backtest.pk}/"):
        assert client.get(path).status_code == status


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_refused_posts_write_nothing(alpha, draft, role):
    client = signed_in_client(alpha, role)
    assert client.post("/loyalty/drafts/").status_code == 403
    assert client.post(f"/loyalty/drafts/{draft.pk}/", _form_data(draft, expiry_days=5)).status_code == 403
    assert client.post(f"/loyalty/drafts/{draft.pk}/backtests/", {"days": 30}).status_code == 403
    assert client.post(f"/loyalty/drafts/{draft.pk}/publish/", {}).status_code == 403
    assert ProgramDraft.objects.count() == 1
    assert not Backtest.objects.exists()
    draft.refresh_from_db()
    assert (draft.status, draft.data["program"]["expiry_days"]) == (DraftStatus.DRAFT, 0)


def test_settings_tabs_lead_to_the_drafts(alpha):
    page = signed_in_client(alpha, "owner").get("/loyalty/").content.decode()
    assert 'href="/loyalty/drafts/"' in page


def test_draft_is_started_edited_backtested_and_published(alpha, django_capture_on_commit_callbacks):
    guest = GuestFactory(home_restaurant=alpha.restaurants[0], first_name="Vera")
    apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(2000), at=local_now() - datetime.timedelta(days=3)),
        restaurant=alpha.restaurants[0],
        idempotency_key="page-1",
    )
    client = signed_in_client(alpha, "owner")
    started = client.post("/loyalty/drafts/", {"name": "Double rate"})
    draft = ProgramDraft.objects.get()
    assert started["Location"] == f"/loyalty/drafts/{draft.pk}/"

    saved = client.post(f"/loyalty/drafts/{draft.pk}/", _form_data(draft, base_earn_rate_percent="10"))
    assert saved.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"/loyalty/drafts/{draft.pk}/backtests/", {"days": 90})
    backtest = Backtest.objects.get()
    assert queued["Location"] == f"/loyalty/backtests/{backtest.pk}/"

    poll = client.get(f"/loyalty/backtests/{backtest.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in poll
    assert "hx-trigger" not in poll  # finished: the page stops polling
    assert "<td>100</td><td>200</td>" in poll  # points issued: current 5 %, draft 10 % of 2000
    assert "Vera" in poll

    published = client.post(f"/loyalty/drafts/{draft.pk}/publish/", {"effective_at": ""})
    assert published.status_code == 302
    assert ProgramSettings.objects.get().base_earn_rate_percent == Decimal(10)


def test_running_backtest_polls_its_progress(alpha, draft):
    backtest = start_backtest(draft=draft, days=30, actor=None)  # queued, not run (no commit in the test)
    Backtest.objects.filter(pk=backtest.pk).update(status="running", total=200, processed=50)
    poll = signed_in_client(alpha, "admin").get(f"/loyalty/backtests/{backtest.pk}/", HTTP_HX_REQUEST="true")
    page = poll.content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="25"' in page
    assert "50 of 200 checks" in page
