"""Every write on guests: create, update, block, consents, erasure (right to be forgotten), import merge.

Each function is one transaction and writes an audit row (who, what, old → new) for the staff member acting.
`access` is the acting staff member's ChainAccess (None when the system acts: bot, import task, POS pipeline);
`actor` names the user for the audit row when there is no access (an import started by someone).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import AuditEntry
from audit.services import changes_between, record_audit
from billing.limits import require_guest_allowed
from guests.cards import random_card_number
from guests.csv_import import ImportedGuest, RowInvalid, count_rows, read_guest_file
from guests.erasure import ERASED_MARK, scrub_copies, traces_of
from guests.errors import (
    DuplicateCard,
    DuplicateGuest,
    GuestErased,
    HomeRestaurantRequired,
    ImportFileInvalid,
    RestaurantOutOfReach,
)
from guests.events import guest_erased, guest_registered, guest_registering
from guests.models import (
    ConsentChannel,
    Guest,
    GuestMerge,
    GuestSource,
    GuestStatus,
    ImportJob,
    ImportStatus,
    RestaurantGuest,
    Visit,
    new_qr_token,
)
from guests.phones import normalize_phone
from guests.selectors import remember_till_reach
from maxloyalty.current_schema import current_tenant
from maxloyalty.db.cursors import bound_cursor
from maxloyalty.errors import DomainError, ValidationFailed
from maxloyalty.events import emit_after_commit
from maxloyalty.task_queue import enqueue_after_commit
from restaurants.models import Restaurant

if TYPE_CHECKING:
    import datetime

    from django.core.files.uploadedfile import UploadedFile

    from accounts.access import ChainAccess
    from accounts.models import User


EDITABLE_FIELDS = (
    "phone",
    "first_name",
    "last_name",
    "email",
    "birthday",
    "gender",
    "language",
    "tags",
    "note",
    "card_number",
    "home_restaurant_id",
)
# What erasure removes; also what is scrubbed from the guest's earlier audit rows.
PERSONAL_FIELDS = (
    "phone",
    "first_name",
    "last_name",
    "email",
    "birthday",
    "gender",
    "telegram_chat_id",
    "telegram_username",
    "card_number",
    "qr_token",
    "tags",
    "note",
)
MAX_TAG_LENGTH = 50


def _actor_of(access: ChainAccess | None, actor: User | None) -> User | None:
    return actor if actor is not None else (access.user if access is not None else None)


def _snapshot(guest: Guest) -> dict[str, Any]:
    values = {field: getattr(guest, field) for field in EDITABLE_FIELDS}
    values["tags"] = list(values["tags"])
    return values


def _clean_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValidationFailed(fields={"email": [str(_("Enter a valid email address."))]}) from error
    return email


def _clean_tags(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or ():
        tag = str(tag).strip()
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationFailed(
                fields={
                    "tags": [
                        ngettext(
                            "A tag is at most %(n)d character long.",
                            "A tag is at most %(n)d characters long.",
                            MAX_TAG_LENGTH,
                        )
                        % {"n": MAX_TAG_LENGTH}
                    ]
                }
            )
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _clean_card_number(card_number: str | None, *, guest_id: int | None = None) -> str | None:
    card = (card_number or "").replace(" ", "").replace("-", "")
    if not card:
        return None
    if not card.isalnum() or not 4 <= len(card) <= 32:
        raise ValidationFailed(fields={"card_number": [str(_("A card number is 4 to 32 letters or digits."))]})
    holder = Guest.objects.filter(card_number=card).exclude(pk=guest_id).values_list("pk", flat=True).first()  # type: ignore[misc]  # None: excludes none
    if holder is not None:
        raise DuplicateCard(existing_guest_id=holder, fields={"card_number": [str(DuplicateCard.message)]})
    return card


def _unused_card_number() -> str:
    while True:
        card = random_card_number()
        if not Guest.objects.filter(card_number=card).exists():
            return card


def _phone_not_taken(phone: str, *, guest_id: int | None = None) -> None:
    holder = Guest.objects.filter(phone=phone).exclude(pk=guest_id).values_list("pk", flat=True).first()  # type: ignore[misc]  # None: excludes none
    if holder is not None:
        raise DuplicateGuest(existing_guest_id=holder, fields={"phone": [str(DuplicateGuest.message)]})


def _home_restaurant_id(access: ChainAccess | None, restaurant_id: int | None) -> int | None:
    """A restaurant that exists and that the staff member works at; restaurant-bound staff default to theirs.

    Restaurant-bound staff always give their guests a home restaurant of theirs (the only one, or the one they
    choose): a guest of no restaurant would be out of their reach the moment it is created (guests.selectors)."""
    if restaurant_id is None:
        if access is None or access.restaurant_ids is None:
            return None
        if len(access.restaurant_ids) == 1:
            return next(iter(access.restaurant_ids))
        raise HomeRestaurantRequired(fields={"home_restaurant": [str(HomeRestaurantRequired.message)]})
    in_reach = access is None or access.covers_restaurant(restaurant_id)
    if not in_reach or not Restaurant.objects.filter(pk=restaurant_id).exists():
        raise RestaurantOutOfReach(fields={"home_restaurant": [str(RestaurantOutOfReach.message)]})
    return restaurant_id


def _save_unique(guest: Guest, **save_kwargs: Any) -> None:
    """Save; a concurrent insert of the same phone or card becomes the same 409 as the checks before it."""
    try:
        with transaction.atomic():
            guest.save(**save_kwargs)
    except IntegrityError:
        if guest.phone:
            _phone_not_taken(guest.phone, guest_id=guest.pk)
        if guest.card_number:
            _clean_card_number(guest.card_number, guest_id=guest.pk)
        raise


def _apply_consent(guest: Guest, channel: str, given: bool, now: datetime.datetime) -> bool:
    """Record consent given or withdrawn now; both times are kept. True when something changed."""
    if channel not in ConsentChannel.values:
        raise ValidationFailed(fields={"consents": [str(_("Unknown channel: %(c)s") % {"c": channel})]})
    if given == guest.has_consent(channel):
        return False
    setattr(guest, f"{channel}_consent_at" if given else f"{channel}_consent_withdrawn_at", now)
    return True


def _consent_changes(guest: Guest, consents: Mapping[str, bool] | None, now: datetime.datetime) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for channel, given in (consents or {}).items():
        if _apply_consent(guest, channel, bool(given), now):
            changes[f"{channel}_consent"] = [not given, bool(given)]
    return changes


@transaction.atomic
def create_guest(
    *,
    access: ChainAccess | None,
    phone: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    birthday: datetime.date | None = None,
    gender: str = "",
    language: str = "",
    tags: Iterable[str] = (),
    note: str = "",
    card_number: str | None = None,
    home_restaurant_id: int | None = None,
    source: str = GuestSource.CASHIER,
    consents: Mapping[str, bool] | None = None,
    actor: User | None = None,
    is_sample: bool = False,
) -> Guest:
    """A new guest with a normalised phone and a fresh card; DuplicateGuest (409, existing_guest_id) if the phone is taken.
    is_sample: a sample guest of tenants.sample_data (badged, not billed, removable with all it owns)."""
    if not is_sample:  # samples are not billed, so the plan's guest limit does not refuse them either
        require_guest_allowed(source=source)
    e164 = normalize_phone(phone)
    try:
        _phone_not_taken(e164)
    except DuplicateGuest as error:
        # The staff member typed the whole number: as an exact lookup at the till, they may now open that guest.
        remember_till_reach(access=access, guest_id=int(error.details["existing_guest_id"]))  # type: ignore[call-overload]  # an id
        raise
    guest = Guest(
        phone=e164,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=_clean_email(email),
        birthday=birthday,
        gender=gender,
        tags=_clean_tags(tags),
        note=note,
        card_number=_clean_card_number(card_number) or _unused_card_number(),
        home_restaurant_id=_home_restaurant_id(access, home_restaurant_id),
        source=source,
        is_sample=is_sample,
    )
    if language:
        guest.language = language
    else:
        guest.language = getattr(current_tenant(), "default_language", None) or guest.language
    consent_changes = _consent_changes(guest, consents, timezone.now())
    _save_unique(guest)
    after = _snapshot(guest)
    changes = {field: [None, value] for field, value in after.items() if value not in (None, "", [])}
    changes.update(consent_changes)
    actor = _actor_of(access, actor)
    record_audit(
        action="guest.created",
        actor=actor,
        target=guest,
        changes=changes,
        data={"source": source, **({"sample": True} if is_sample else {})},
        restaurant_id=guest.home_restaurant_id,
    )
    guest_registering.send(sender=Guest, guest=guest, actor=actor)  # the welcome bonus, in this transaction
    emit_after_commit(guest_registered, sender=Guest, guest=guest, actor=actor)
    return guest


TEST_GUEST_NAME = "Test guest"  # kept in English in the data; pages show the translated mark beside it


@transaction.atomic
def find_or_create_test_guest(*, actor: User | None) -> Guest:
    """The chain's one test guest, created on first use: the guest of the checks "Send a test check" sends. It has
    no phone (no contact, no messages), earns no welcome bonus (it is no registration: guest_registering is not
    sent), is not held to the plan's guest limit, and is left out of analytics and billing counts (`is_test`)."""
    found = Guest.objects.filter(is_test=True).first()
    if found is not None:
        return found
    guest = Guest(
        first_name=TEST_GUEST_NAME,
        card_number=_unused_card_number(),
        source=GuestSource.POS,
        is_test=True,
    )
    try:
        with transaction.atomic():
            guest.save()
    except IntegrityError:  # created by a concurrent first test check: the partial unique index let one in
        return Guest.objects.get(is_test=True)
    record_audit(action="guest.test_created", actor=actor, target=guest, data={"source": GuestSource.POS})
    return guest


def _locked(guest: Guest) -> Guest:
    locked = Guest.objects.select_for_update().get(pk=guest.pk)
    if locked.is_erased:
        raise GuestErased(guest_id=guest.pk)
    return locked


@transaction.atomic
def update_guest(
    *, access: ChainAccess | None, guest: Guest, data: Mapping[str, Any], actor: User | None = None
) -> Guest:
    """Change the given fields (EDITABLE_FIELDS plus "consents": {channel: bool}); audited as old → new."""
    guest = _locked(guest)
    before = _snapshot(guest)
    for field, value in data.items():
        if field == "consents":
            continue
        if field == "phone":
            value = normalize_phone(value)
            _phone_not_taken(value, guest_id=guest.pk)
        elif field == "email":
            value = _clean_email(value)
        elif field == "tags":
            value = _clean_tags(value)
        elif field == "card_number":
            value = _clean_card_number(value, guest_id=guest.pk) or guest.card_number or _unused_card_number()
        elif field == "home_restaurant_id":
            if value is None and access is not None and access.restaurant_ids is not None:
                raise RestaurantOutOfReach(fields={"home_restaurant": [str(RestaurantOutOfReach.message)]})
            value = _home_restaurant_id(access, value) if value is not None else None
        elif field in ("first_name", "last_name"):
            value = (value or "").strip()
        elif field not in EDITABLE_FIELDS:
            raise ValueError(f"update_guest cannot change {field!r}")
        setattr(guest, field, value)
    changes = changes_between(before, _snapshot(guest))
    changes.update(_consent_changes(guest, data.get("consents"), timezone.now()))
    if changes:
        _save_unique(guest)
        record_audit(
            action="guest.updated",
            actor=_actor_of(access, actor),
            target=guest,
            changes=changes,
            restaurant_id=guest.home_restaurant_id,
        )
    return guest


def _set_status(*, access: ChainAccess | None, guest: Guest, status: str, action: str, reason: str) -> Guest:
    guest = _locked(guest)
    if guest.status == status:
        return guest
    before = guest.status
    guest.status = status
    guest.save(update_fields=["status", "updated_at"])
    record_audit(
        action=action,
        actor=_actor_of(access, None),
        target=guest,
        changes={"status": [before, status]},
        reason=reason,
        restaurant_id=guest.home_restaurant_id,
    )
    return guest


@transaction.atomic
def block_guest(*, access: ChainAccess | None, guest: Guest, reason: str = "") -> Guest:
    """A blocked guest keeps the data but may not earn or spend (the loyalty services check is_blocked)."""
    return _set_status(access=access, guest=guest, status=GuestStatus.BLOCKED, action="guest.blocked", reason=reason)


@transaction.atomic
def unblock_guest(*, access: ChainAccess | None, guest: Guest, reason: str = "") -> Guest:
    return _set_status(access=access, guest=guest, status=GuestStatus.ACTIVE, action="guest.unblocked", reason=reason)


@transaction.atomic
def set_consent(
    *,
    guest: Guest,
    channel: str,
    given: bool,
    access: ChainAccess | None = None,
    actor: User | None = None,
    source: str = "",
) -> Guest:
    """Marketing consent for one channel given or withdrawn now (the bot calls this with access=None); `source`
    names where the guest said so when no staff member acted (an email's unsubscribe link, the email provider)."""
    guest = _locked(guest)
    now = timezone.now()
    if _apply_consent(guest, channel, given, now):
        guest.save()
        record_audit(
            action="guest.consent_given" if given else "guest.consent_withdrawn",
            actor=_actor_of(access, actor),
            target=guest,
            changes={f"{channel}_consent": [not given, given]},
            data={"source": source} if source else None,
        )
    return guest


def _scrub_audit_history(guest: Guest) -> None:
    """Earlier audit rows of this guest keep who did what and when, but no longer the personal values."""
    entries = list(AuditEntry.objects.filter(object_type=Guest._meta.label_lower, object_id=str(guest.pk)))
    for entry in entries:
        entry.object_repr = str(guest)
        entry.changes = {
            field: ([ERASED_MARK, ERASED_MARK] if field in PERSONAL_FIELDS else values)
            for field, values in (entry.changes or {}).items()
        }
    AuditEntry.objects.bulk_update(entries, ["object_repr", "changes"])


@transaction.atomic
def erase_guest(*, guest: Guest, access: ChainAccess | None, reason: str, actor: User | None = None) -> Guest:
    """Right to be forgotten (152-FZ / GDPR): personal data removed, card and QR rotated, status erased, and every
    copy of the guest's identifiers elsewhere scrubbed (guests.erasure: receipts, refused pushes, the bot's
    delivery log and chats, notifications, the audit log, import files); the audit row counts what was scrubbed.

    The guest row itself, its visits and every ledger entry stay, so the chain's totals (points issued and spent,
    revenue per restaurant) do not change; nothing left on the row identifies the person.
    """
    guest = Guest.objects.select_for_update().get(pk=guest.pk)
    if guest.is_erased:
        return guest
    erased_fields = [field for field in PERSONAL_FIELDS if getattr(guest, field) not in (None, "", [])]
    traces = traces_of(guest)  # read before the row is cleared: the copies elsewhere are found by these
    now = timezone.now()
    for channel in ConsentChannel.values:
        if guest.has_consent(channel):
            setattr(guest, f"{channel}_consent_withdrawn_at", now)
    guest.phone = None
    guest.first_name = guest.last_name = guest.email = guest.gender = ""
    guest.telegram_username = guest.note = ""
    guest.birthday = None
    guest.telegram_chat_id = None
    guest.tags = []
    guest.card_number = _unused_card_number()
    guest.qr_token = new_qr_token()
    guest.status = GuestStatus.ERASED
    guest.erased_at = now
    guest.save()
    _scrub_audit_history(guest)
    # Merge records keep the profiles' fields for an undo: an erased guest's merges lose them (and their undo).
    GuestMerge.objects.filter(Q(survivor=guest) | Q(merged=guest)).update(survivor_before={}, merged_before={})
    copies = scrub_copies(traces)
    guest_erased.send(sender=Guest, guest=guest)
    record_audit(
        action="guest.erased",
        actor=_actor_of(access, actor),
        target=guest,
        data={"erased_fields": erased_fields, "copies_scrubbed": copies},
        reason=reason,
        restaurant_id=guest.home_restaurant_id,
    )
    return guest


@dataclasses.dataclass(frozen=True)
class ImportedRow:
    """What one imported row did: created a guest or updated the one with its phone, and the existing guests it
    matched by phone, email or card (guest id → reasons), for the report's duplicates."""

    guest_id: int
    created: bool
    matches: dict[int, list[str]]


def _import_matches(row: ImportedGuest, phone_owner: Guest | None) -> dict[int, list[str]]:
    matches: dict[int, list[str]] = {}
    if phone_owner is not None:
        matches[phone_owner.pk] = ["phone"]
    live = Guest.objects.exclude(status__in=(GuestStatus.ERASED, GuestStatus.MERGED))
    if row.email:
        for guest_id in live.filter(email__iexact=row.email.strip()).values_list("pk", flat=True)[:10]:
            matches.setdefault(guest_id, []).append("email")
    if row.card_number:
        for guest_id in live.filter(card_number=row.card_number.strip()).values_list("pk", flat=True)[:1]:
            matches.setdefault(guest_id, []).append("card")
    return matches


@transaction.atomic
def merge_import_row(*, row: ImportedGuest, actor: User | None) -> ImportedRow:
    """One imported row: a new guest, or merged into the guest with the same phone.

    Merge rule: a non-empty cell overwrites the guest's value, tags are added to the guest's tags, empty cells
    change nothing, consent cells given as yes/no set the consent. A card number that belongs to another guest is
    left out (the row is kept, and the match reported as a duplicate to merge in the duplicates tool).
    """
    existing = Guest.objects.select_for_update().filter(phone=normalize_phone(row.phone)).first()
    matches = _import_matches(row, existing)
    card_owner = next((guest_id for guest_id, reasons in matches.items() if "card" in reasons), None)
    card_number = row.card_number if card_owner is None or (existing and card_owner == existing.pk) else ""
    if existing is None:
        guest = create_guest(
            access=None,
            actor=actor,
            phone=row.phone,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            birthday=row.birthday,
            gender=row.gender,
            language=row.language,
            tags=row.tags,
            note=row.note,
            card_number=card_number or None,
            source=GuestSource.IMPORT,
            consents=row.consents,
        )
        return ImportedRow(guest_id=guest.pk, created=True, matches=matches)
    data: dict[str, Any] = {
        field: value
        for field, value in (
            ("first_name", row.first_name),
            ("last_name", row.last_name),
            ("email", row.email),
            ("birthday", row.birthday),
            ("gender", row.gender),
            ("language", row.language),
            ("note", row.note),
            ("card_number", card_number),
        )
        if value
    }
    if row.tags:
        data["tags"] = [*existing.tags, *row.tags]
    if row.consents:
        data["consents"] = row.consents
    update_guest(access=None, actor=actor, guest=existing, data=data)
    return ImportedRow(guest_id=existing.pk, created=False, matches=matches)


@dataclasses.dataclass
class ImportReport:
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # Rows that matched existing guests: {line, guest_id (the row's guest), matches: [{guest_id, reasons}]}; a row
    # matched only by its own phone updated that guest; any other match is a probable duplicate to merge.
    duplicates: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    ignored_columns: list[str] = dataclasses.field(default_factory=list)


def _reason_of(error: DomainError) -> str:
    details = "; ".join(f"{key}: {' '.join(str(item) for item in items)}" for key, items in error.fields.items())
    if "existing_guest_id" in error.details:
        details = f"{details} (guest #{error.details['existing_guest_id']})"
    return details or str(error.message)


def import_guests_csv(
    binary: IO[bytes],
    *,
    actor: User | None,
    on_progress: Callable[[ImportReport], None] | None = None,
    progress_every: int = 100,
    max_errors: int = 1000,
    total: int | None = None,
) -> ImportReport:
    """Import every row of a guests CSV file (guests.csv_import reads it); good rows are kept (one transaction
    each, merge_import_row), bad ones listed as {line, reason}."""
    report = ImportReport(total=count_rows(binary) if total is None else total)
    guest_file = read_guest_file(binary)
    report.ignored_columns = guest_file.ignored_columns
    for line, row in guest_file.rows:
        reason = ""
        if isinstance(row, RowInvalid):
            reason = row.reason
        else:
            try:
                imported = merge_import_row(row=row, actor=actor)
            except DomainError as error:
                reason = _reason_of(error)
            else:
                if imported.matches and len(report.duplicates) < max_errors:
                    report.duplicates.append(
                        {
                            "line": line,
                            "guest_id": imported.guest_id,
                            "matches": [
                                {"guest_id": guest_id, "reasons": reasons}
                                for guest_id, reasons in imported.matches.items()
                            ],
                        }
                    )
                if imported.created:
                    report.created += 1
                else:
                    report.updated += 1
        if reason:
            report.failed += 1
            if len(report.errors) < max_errors:
                report.errors.append({"line": line, "reason": reason})
        report.processed += 1
        if on_progress is not None and report.processed % progress_every == 0:
            on_progress(report)
    if on_progress is not None:
        on_progress(report)
    return report


def start_import_job(
    *, access: ChainAccess | None, upload: UploadedFile[bytes], actor: User | None = None
) -> ImportJob:
    """Store the uploaded CSV and queue its import; the job's counters are polled while the worker runs."""
    job = ImportJob(created_by=_actor_of(access, actor), file_name=(upload.name or "")[:255])
    job.file.save(upload.name or "guests.csv", upload, save=False)
    job.save()
    record_audit(action="guest_import.started", actor=job.created_by, target=job, data={"file_name": job.file_name})
    enqueue_after_commit("guests.tasks.import_guests_job", job_id=job.pk)
    return job


def run_import_job(*, job_id: int) -> ImportJob:
    """Process a queued import once (a retry or a second worker finds it claimed and does nothing).

    Not one transaction: every row commits on its own so good rows are kept and the progress is visible.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if claimed != 1:
        return job

    def save_progress(report: ImportReport) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            total=report.total,
            processed=report.processed,
            created=report.created,
            updated=report.updated,
            failed=report.failed,
            errors=report.errors,
            duplicates=report.duplicates,
        )

    try:
        with job.file.open("rb") as binary:
            import_guests_csv(binary, actor=job.created_by, on_progress=save_progress)
    except ImportFileInvalid as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, failure=str(error.message), finished_at=timezone.now()
        )
    except Exception:
        # Anything else (the file gone from storage, a lost database): the job must not stay "running" for ever.
        # Rows already imported committed one by one and stay; the error goes on to the task's log and metrics.
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, failure=str(UNEXPECTED_IMPORT_FAILURE), finished_at=timezone.now()
        )
        _forget_upload(job)
        raise
    else:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.DONE, finished_at=timezone.now())
    _forget_upload(job)
    job.refresh_from_db()
    return job


UNEXPECTED_IMPORT_FAILURE = _(
    "The import stopped on an unexpected error. Rows counted as imported are saved; upload the file again to "
    "import the rest."
)


def _forget_upload(job: ImportJob) -> None:
    """The upload holds personal data: once the job has ended, keep only the counters and row errors."""
    job.refresh_from_db()
    if job.file:
        with contextlib.suppress(OSError):
            job.file.delete(save=True)


def record_visits_on_guests(visits: Iterable[Visit]) -> None:
    """What new visits change on their guests, in one statement whatever their number: the first and last visit
    times widened to take them in (LEAST/GREATEST: a visit arriving late, out of order, never narrows them), and the
    restaurants each guest has visited (RestaurantGuest: what the restricted roles may see). Both check writers call
    it, the one-check apply_check and the batch apply_checks. One array per column keeps the statement the same
    whatever the batch size, so the driver parses it once; the arrays go in binary (as update_rows does)."""
    times: dict[int, tuple[datetime.datetime, datetime.datetime]] = {}
    restaurants: dict[tuple[int, int], datetime.datetime] = {}
    for visit in visits:
        at = visit.visited_at
        first, last = times.get(visit.guest_id, (at, at))
        times[visit.guest_id] = (min(first, at), max(last, at))
        if visit.restaurant_id is not None:
            key = (visit.guest_id, visit.restaurant_id)
            restaurants[key] = min(restaurants.get(key, at), at)
    if not times:
        return
    firsts, lasts = zip(*times.values(), strict=True)
    pairs = list(restaurants)
    with bound_cursor(connection) as cursor:
        cursor.execute(
            _visits_on_guests_sql(),
            [
                list(times),
                list(firsts),
                list(lasts),
                [guest_id for guest_id, _restaurant in pairs],
                [restaurant_id for _guest, restaurant_id in pairs],
                list(restaurants.values()),
            ],
        )


@functools.cache
def _visits_on_guests_sql() -> str:
    # One statement, so the batch writer's statement count does not grow: the times UPDATE in a CTE, then the
    # restaurants; an earlier first visit (a late, out-of-order check) moves first_visited_at back, otherwise an
    # existing row is left untouched.
    guests = connection.ops.quote_name(Guest._meta.db_table)
    visited = connection.ops.quote_name(RestaurantGuest._meta.db_table)
    return (
        f"WITH times AS (UPDATE {guests} AS g SET first_visit_at = LEAST(g.first_visit_at, v.first_at), "  # noqa: S608
        "last_visit_at = GREATEST(g.last_visit_at, v.last_at) "
        "FROM unnest(%b::bigint[], %b::timestamptz[], %b::timestamptz[]) AS v(id, first_at, last_at) "
        "WHERE g.id = v.id RETURNING 1) "
        f"INSERT INTO {visited} AS r (guest_id, restaurant_id, first_visited_at) "
        "SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::timestamptz[]) "
        "ON CONFLICT (guest_id, restaurant_id) DO UPDATE SET first_visited_at = EXCLUDED.first_visited_at "
        "WHERE r.first_visited_at > EXCLUDED.first_visited_at"
    )


def recount_visited_restaurants(*, guest_ids: Collection[int]) -> None:
    """Rebuild these guests' RestaurantGuest rows from their visits (after a merge or its undo moved visits)."""
    RestaurantGuest.objects.filter(guest_id__in=guest_ids).delete()
    RestaurantGuest.objects.bulk_create(
        RestaurantGuest(guest_id=row["guest_id"], restaurant_id=row["restaurant_id"], first_visited_at=row["first"])
        for row in Visit.objects.filter(guest_id__in=guest_ids, restaurant_id__isnull=False)
        .values("guest_id", "restaurant_id")
        .annotate(first=Min("visited_at"))
    )
