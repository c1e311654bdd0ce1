"""Written guest exports hold personal data: their files are deleted GUEST_EXPORT_RETENTION_HOURS after they were
written, and at once when a guest is erased."""

import datetime

from django.utils import timezone

from guests.export_jobs import purge_old_guest_exports, run_guest_export, start_guest_export
from guests.models import GuestExport
from guests.services import erase_guest
from guests.tests.factories import GuestFactory


def _written(access):
    export = start_guest_export(access=access, params={}, file_format="csv")
    return run_guest_export(export_id=export.pk)


def test_nightly_purge_deletes_files_past_the_retention_and_keeps_fresh_ones(alpha, access_of, chain_storage, settings):
    settings.GUEST_EXPORT_RETENTION_HOURS = 24
    GuestFactory()
    old, fresh = _written(access_of("owner")), _written(access_of("owner"))
    GuestExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=25))
    assert purge_old_guest_exports() == 1
    assert chain_storage.stored_names() == [fresh.file.name]
    assert GuestExport.objects.get(pk=old.pk).file == ""


def test_erasing_a_guest_deletes_every_written_export(alpha, access_of, chain_storage):
    guest = GuestFactory(phone="+79161234567")
    _written(access_of("owner"))
    erase_guest(guest=guest, access=access_of("admin"), reason="guest asked")
    assert chain_storage.stored_names() == []
    assert "erased" in GuestExport.objects.get().failure
