"""Publishing a draft makes it the program through the program services: now, or at a chosen later moment (the
per-minute task publishes it then); audited old → new with the moment; a published draft is not published again."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from loyalty.models import DraftStatus, Level, ProgramSettings, Promo
from loyalty.services import create_draft, create_level, create_promo, publish_draft, publish_due_drafts
from loyalty.tasks import publish_due_drafts_task
from maxloyalty.errors import DomainError


@pytest.fixture
def program(alpha):
    silver = create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
    gold = create_level(actor=None, name="Gold", threshold_amount=Decimal(10000), earn_rate_percent=Decimal(10))
    promo = create_promo(actor=None, name="Double Tuesday", multiplier=Decimal(2), weekdays=[2])
    return silver, gold, promo


def _summer_draft(owner, program):
    """Gold from 5000, a new Platinum level, Silver gone, the promo on Wednesdays, points expiring after 180 days."""
    _silver, gold, _promo = program
    draft = create_draft(actor=owner)
    data = dict(draft.data)
    data["program"] = {**data["program"], "expiry_days": 180}
    data["levels"] = [
        {"id": gold.pk, "name": "Gold", "threshold_amount": "5000", "earn_rate_percent": "10"},
        {"id": -1, "name": "Platinum", "threshold_amount": "20000", "earn_rate_percent": "15"},
    ]
    data["promos"] = [{**data["promos"][0], "weekdays": [3], "level_ids": [-1]}]
    draft.data = data
    draft.save()
    return draft


def test_publishing_now_makes_the_draft_the_program(alpha, program):
    owner = alpha.users["owner"]
    draft = publish_draft(draft=_summer_draft(owner, program), actor=owner)

    assert draft.status == DraftStatus.PUBLISHED
    assert ProgramSettings.objects.get().expiry_days == 180
    assert list(Level.objects.order_by("threshold_amount").values_list("name", "threshold_amount")) == [
        ("Gold", Decimal(5000)),
        ("Platinum", Decimal(20000)),
    ]
    promo = Promo.objects.get(pk=program[2].pk)
    assert promo.weekdays == [3]
    assert list(promo.levels.values_list("name", flat=True)) == ["Platinum"]


def test_publishing_is_audited_old_to_new_with_its_moment(alpha, program):
    owner = alpha.users["owner"]
    draft = publish_draft(draft=_summer_draft(owner, program), actor=owner)

    entry = AuditEntry.objects.get(action="loyalty.draft_published")
    assert entry.actor == owner
    old, new = entry.changes["program"]
    assert (old["program"]["expiry_days"], new["program"]["expiry_days"]) == (0, 180)
    assert [level["name"] for level in old["levels"]] == ["Silver", "Gold"]
    assert [level["name"] for level in new["levels"]] == ["Gold", "Platinum"]
    assert entry.data["effective_at"] == draft.publish_at.isoformat()
    # Each change is also audited field by field by the program services.
    assert AuditEntry.objects.get(action="loyalty.program_updated").changes["expiry_days"] == [0, 180]
    assert AuditEntry.objects.filter(action="loyalty.level_deleted").count() == 1


def test_a_later_moment_waits_for_the_task(alpha, program):
    owner = alpha.users["owner"]
    moment = timezone.now() + datetime.timedelta(hours=2)
    draft = publish_draft(draft=_summer_draft(owner, program), actor=owner, effective_at=moment)

    assert draft.status == DraftStatus.SCHEDULED
    assert ProgramSettings.objects.get().expiry_days == 0
    assert AuditEntry.objects.get(action="loyalty.draft_scheduled").changes["publish_at"] == [None, moment.isoformat()]
    assert publish_due_drafts_task() == 0  # not yet

    assert publish_due_drafts(now=moment + datetime.timedelta(seconds=1)) == 1
    draft.refresh_from_db()
    assert (draft.status, draft.publish_at) == (DraftStatus.PUBLISHED, moment)
    assert ProgramSettings.objects.get().expiry_days == 180
    assert AuditEntry.objects.get(action="loyalty.draft_published").actor == owner


def test_a_published_draft_is_not_published_again(alpha, program):
    owner = alpha.users["owner"]
    draft = publish_draft(draft=_summer_draft(owner, program), actor=owner)
    with pytest.raises(DomainError) as refused:
        publish_draft(draft=draft, actor=owner)
    assert refused.value.status == 409


def test_a_draft_that_no_longer_fits_goes_back_to_draft_at_its_moment(alpha, program):
    owner = alpha.users["owner"]
    draft = create_draft(actor=owner)
    data = dict(draft.data)
    data["promos"] = [{**data["promos"][0], "restaurant_ids": [alpha.restaurants[0].pk + 10_000]}]
    draft.data = data
    draft.save()
    moment = timezone.now() + datetime.timedelta(minutes=5)
    publish_draft(draft=draft, actor=owner, effective_at=moment)

    assert publish_due_drafts(now=moment) == 0
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT
    assert AuditEntry.objects.get(action="loyalty.draft_publish_failed").data["code"] == "validation_failed"
