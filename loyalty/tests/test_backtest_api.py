"""The backtest API: a draft (given, or from the program in force) backtested over 30/90/180 days by a Celery task
whose status and progress are polled; publishing a draft; owners and admins only, each chain its own drafts."""

import datetime
from decimal import Decimal

import pytest

from loyalty import services
from loyalty.models import Backtest, ProgramDraft, ProgramSettings
from loyalty.rules import Check
from loyalty.selectors import local_now
from loyalty.services import apply_check, create_draft, create_level
from loyalty.tests.factories import GuestFactory
from maxloyalty.errors import DomainError
from tests.fixtures import api_as


@pytest.fixture
def checks(alpha):
    create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    for number, amount in enumerate(("1000", "3000")):
        apply_check(
            guest=guest,
            check=Check(total_amount=Decimal(amount), at=local_now() - datetime.timedelta(days=5 - number)),
            restaurant=alpha.restaurants[0],
            idempotency_key=f"api-{number}",
        )


def _draft_with_rate(rate):
    draft = create_draft(actor=None)
    data = dict(draft.data)
    data["program"] = {**data["program"], "base_earn_rate_percent": rate}
    return data


def test_backtest_is_accepted_run_by_the_task_and_polled(alpha, checks, django_capture_on_commit_callbacks):
    api = api_as(alpha, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post("/api/v1/loyalty/backtests", {"draft": _draft_with_rate("10"), "days": 30}, format="json")
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "pending"

    polled = api.get(f"/api/v1/loyalty/backtests/{accepted.json()['id']}").json()
    assert (polled["status"], polled["total"], polled["processed"], polled["percent"]) == ("done", 2, 2, 100)
    # The first check earns the base rate (5 % now, 10 % in the draft), the second Silver's 5 % in both.
    assert polled["result"]["current"]["points_issued"] == 50 + 150
    assert polled["result"]["draft"]["points_issued"] == 100 + 150


def test_backtest_of_a_saved_draft(alpha, checks, django_capture_on_commit_callbacks):
    draft = create_draft(actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api_as(alpha, "owner").post(
            "/api/v1/loyalty/backtests", {"draft_id": draft.pk, "days": 90}, format="json"
        )
    assert accepted.status_code == 202
    assert Backtest.objects.get(pk=accepted.json()["id"]).draft == draft


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"draft": {"program": {"base_earn_rate_percent": "150"}}, "days": 30}, "program.base_earn_rate_percent"),
        ({"draft": {"levels": [{"name": "", "earn_rate_percent": "5"}]}, "days": 30}, "levels.0.name"),
        ({"draft": {}, "days": 45}, "days"),
        ({"days": 30}, "draft_id"),
    ],
)
def test_invalid_backtest_is_refused_and_writes_nothing(alpha, body, field):
    response = api_as(alpha, "owner").post("/api/v1/loyalty/backtests", body, format="json")
    assert response.status_code in (400, 422)
    assert field in response.json()["error"]["fields"]
    assert not ProgramDraft.objects.exists()
    assert not Backtest.objects.exists()


def test_draft_is_started_from_the_program_and_changed(alpha):
    api = api_as(alpha, "owner")
    created = api.post("/api/v1/loyalty/drafts", {"name": "Summer"}, format="json")
    assert created.status_code == 201
    data = created.json()["draft"]
    assert data["program"]["base_earn_rate_percent"] == "5"
    data["program"]["expiry_days"] = 90
    changed = api.put(f"/api/v1/loyalty/drafts/{created.json()['id']}", {"draft": data}, format="json")
    assert changed.status_code == 200
    assert changed.json()["draft"]["program"]["expiry_days"] == 90
    assert ProgramSettings.objects.filter(expiry_days=90).count() == 0  # a draft changes nothing until published


def test_publish_through_the_api_changes_the_program(alpha):
    data = _draft_with_rate("7.5")
    draft = create_draft(actor=None, data=data)
    response = api_as(alpha, "admin").post(f"/api/v1/loyalty/drafts/{draft.pk}/publish", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert ProgramSettings.objects.get().base_earn_rate_percent == Decimal("7.5")


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_are_refused(alpha, role):
    draft = create_draft(actor=None)
    api = api_as(alpha, role)
    assert api.post("/api/v1/loyalty/backtests", {"draft_id": draft.pk, "days": 30}, format="json").status_code == 403
    assert api.post("/api/v1/loyalty/drafts", {}, format="json").status_code == 403
    assert api.get(f"/api/v1/loyalty/drafts/{draft.pk}").status_code == 403
    assert api.post(f"/api/v1/loyalty/drafts/{draft.pk}/publish", {}, format="json").status_code == 403
    assert not Backtest.objects.exists()
    assert ProgramDraft.objects.get().status == "draft"


def test_a_backtest_that_cannot_finish_ends_failed_with_a_reason(alpha):
    draft = create_draft(actor=None)
    backtest = Backtest.objects.create(
        draft=draft,
        days=30,
        period_start=local_now() - datetime.timedelta(days=30),
        period_end=local_now(),
        draft_data={"levels": "not a list"},
    )
    with pytest.raises(DomainError):
        services.run_backtest(backtest_id=backtest.pk)

    polled = api_as(alpha, "owner").get(f"/api/v1/loyalty/backtests/{backtest.pk}").json()
    assert polled["status"] == "failed"
    assert polled["failure"]
    assert polled["finished_at"] is not None
