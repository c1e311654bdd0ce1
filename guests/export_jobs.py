"""Guest exports too large to stream while the browser waits: queued, written by a Celery task into the chain's
files (maxloyalty.chain_files) with the asker's filters and contact masking, then downloaded by the asker."""

from __future__ import annotations

import datetime
import tempfile
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext

from accounts.access import resolve_access
from accounts.roles import Permission
from audit.services import record_audit
from guests.export import write_guest_file
from guests.models import ExportFormat, GuestExport, ImportStatus
from guests.selectors import guest_list
from maxloyalty.current_schema import current_schema_name
from maxloyalty.task_queue import enqueue_after_commit
from tenants.models import Chain

if TYPE_CHECKING:
    from accounts.access import ChainAccess

# Kept in memory up to this size while written, then in a temporary file.
_SPOOL_BYTES = 8 * 1024 * 1024


def start_guest_export(*, access: ChainAccess, params: dict[str, Any], file_format: str) -> GuestExport:
    """Queue an export of the guests these filters select; audited as the streamed export is."""
    export = GuestExport.objects.create(
        created_by=access.user, params=params, file_format=ExportFormat(file_format).value
    )
    record_audit(
        action="guests.exported",
        actor=access.user,
        target=export,
        data={"filters": params, "format": file_format, "in_storage": True},
    )
    enqueue_after_commit("guests.tasks.export_guests_job", export_id=export.pk)
    return export


def run_guest_export(*, export_id: int) -> GuestExport:
    """Write the queued export once (a retry or a second worker finds it claimed and does nothing).

    The asker's access is read again: one who lost the right to export meanwhile gets no file.
    """
    claimed = GuestExport.objects.filter(pk=export_id, status=ImportStatus.PENDING).update(status=ImportStatus.RUNNING)
    export = GuestExport.objects.select_related("created_by").get(pk=export_id)
    if claimed != 1:
        return export
    chain_id = Chain.objects.values_list("id", flat=True).get(schema_name=current_schema_name())
    access = resolve_access(export.created_by, chain_id)
    if access is None or not access.can(Permission.EXPORT_GUESTS):
        export.status, export.failure = ImportStatus.FAILED, gettext("You may no longer export guests.")
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "failure", "finished_at"])
        return export
    try:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as target:
            export.rows = write_guest_file(
                access=access,
                guests=guest_list(access=access, params=export.params),
                file_format=export.file_format,
                target=target,
                sheet_title=gettext("Guests"),
            )
            target.seek(0)
            export.file.save(export.download_name, File(target), save=False)
    except Exception:
        # Storage refusing the file, a lost database: the export must not stay "running" for ever; the error goes
        # on to the task's log and metrics.
        GuestExport.objects.filter(pk=export_id).update(
            status=ImportStatus.FAILED,
            failure=gettext("The export stopped on an unexpected error. Ask for it again."),
            finished_at=timezone.now(),
        )
        raise
    export.status, export.finished_at = ImportStatus.DONE, timezone.now()
    export.save(update_fields=["file", "rows", "status", "finished_at"])
    return export


def purge_old_guest_exports() -> int:
    """Written exports hold personal data: their files are deleted GUEST_EXPORT_RETENTION_HOURS after they were
    written (the row stays, saying so); how many were deleted."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.GUEST_EXPORT_RETENTION_HOURS)
    deleted = 0
    for export in GuestExport.objects.exclude(file="").filter(finished_at__lt=cutoff).order_by("pk"):
        export.file.delete(save=False)
        export.failure = gettext("The file was deleted after its retention period. Export again.")
        export.save(update_fields=["file", "failure"])
        deleted += 1
    return deleted


def stream_limit() -> int:
    """Exports of more guests than this are written by a worker into storage instead of streamed."""
    limit: int = settings.GUEST_EXPORT_STREAM_LIMIT
    return limit
