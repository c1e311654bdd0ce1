"""Every change to segments and to who may build them is written to the audit log, with who and what."""

from __future__ import annotations

from audit.models import AuditEntry
from campaigns.services import create_segment, delete_segment, set_managers_may_use_segments, update_segment
from tests.fixtures import ChainWorld


def test_create_change_and_delete_are_audited(alpha: ChainWorld, access_of) -> None:
    owner = access_of("owner")
    segment = create_segment(access=owner, name="Lapsed", filters={"last_visit_days_min": 30})
    update_segment(access=owner, segment=segment, changes={"filters": {"last_visit_days_min": 60}})
    delete_segment(access=owner, segment=segment)

    entries = list(AuditEntry.objects.filter(object_type="campaigns.segment", object_id=str(segment.pk)).order_by("id"))
    assert [entry.action for entry in entries] == [
        "campaigns.segment_created",
        "campaigns.segment_changed",
        "campaigns.segment_deleted",
    ]
    assert all(entry.actor_id == alpha.user("owner").pk for entry in entries)
    assert entries[1].changes == {"filters": [{"last_visit_days_min": 30}, {"last_visit_days_min": 60}]}


def test_a_save_that_changes_nothing_writes_no_entry(alpha: ChainWorld, access_of) -> None:
    segment = create_segment(access=access_of("owner"), name="Same", filters={})
    update_segment(access=access_of("owner"), segment=segment, changes={"name": "Same"})

    assert not AuditEntry.objects.filter(action="campaigns.segment_changed", object_id=str(segment.pk)).exists()


def test_letting_managers_in_is_audited(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("admin"), allowed=True)

    entry = AuditEntry.objects.get(action="campaigns.settings_changed")
    assert entry.actor_id == alpha.user("admin").pk
    assert entry.changes == {"managers_may_use_segments": [False, True]}
