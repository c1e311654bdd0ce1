"""Every copy of an erased guest's identifiers outside the guest row, found and scrubbed: the one list of them.

erase_guest (guests.services) clears the guest row; then scrub_copies removes the same person from:
- POS receipts (pos.Receipt): the payload as received, lines, payments, the guest identifier, outcome texts, and
  the content digest (a hash of a body holding a phone could be reversed by trying every number);
- refused POS pushes (pos.RejectedAttempt): field errors and the check id;
- the Telegram bot: the delivery log's texts and failure reasons, and chats with the guest's chat id or phone;
- messaging: the message log's addresses, subjects, bodies and reasons, and the address's email suppression;
- the loyalty app: queued notifications' payloads and ledger entries' reasons;
- the audit log: values in any entry (the guest's own entries are scrubbed field by field by the service);
- guest imports: row errors, and uploads still on disk (deleted: the file held the person; a job not yet started
  fails and says so);
- exports on disk: none exist. Guest, audit and report exports are streamed to the browser and never stored.
A unique identifier (phone in any spelling, email, card number, QR token, Telegram chat id and username) is
searched for in every row of these tables; a name, which is not unique, only in rows tied to the guest.
The scans read whole tables: erasure is rare, and a copy missed would be a promise broken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.apps import apps
from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

ERASED_MARK = "[erased]"
_SEPARATORS = r"[\s().-]*"
# Below these lengths a value is too common to look for across the chain (it is still scrubbed where tied).
_MIN_UNIQUE_CARD = 6
_MIN_UNIQUE_CHAT_ID = 6
_MIN_TELEGRAM_USERNAME = 5


@dataclass(frozen=True)
class GuestTraces:
    """What identifies one guest, read from the guest row before it is cleared."""

    guest_id: int
    phone: str = ""
    email: str = ""
    card_number: str = ""
    qr_token: str = ""
    telegram_chat_id: int | None = None
    telegram_username: str = ""
    names: tuple[str, ...] = ()
    unique_patterns: tuple[str, ...] = field(default=(), repr=False)

    @property
    def exact_values(self) -> list[str]:
        return [value for value in (self.phone, self.card_number, self.qr_token) if value]


def traces_of(guest: Any) -> GuestTraces:
    """The guest's identifiers and the patterns that find them in any spelling (call before clearing the row)."""
    patterns: list[str] = []
    if guest.phone:
        patterns.append(_phone_pattern(guest.phone))
    if guest.email:
        patterns.append(re.escape(guest.email.lower()))
    if guest.card_number and len(guest.card_number) >= _MIN_UNIQUE_CARD:
        patterns.append(r"(?<![0-9A-Za-z])" + re.escape(guest.card_number) + r"(?![0-9A-Za-z])")
    if guest.qr_token:
        patterns.append(re.escape(guest.qr_token))
    if guest.telegram_chat_id is not None and len(str(abs(guest.telegram_chat_id))) >= _MIN_UNIQUE_CHAT_ID:
        patterns.append(r"(?<![0-9])" + re.escape(str(guest.telegram_chat_id)) + r"(?![0-9])")
    if len(guest.telegram_username or "") >= _MIN_TELEGRAM_USERNAME:
        patterns.append(r"(?<![0-9A-Za-z_])@?" + re.escape(guest.telegram_username) + r"(?![0-9A-Za-z_])")
    full_name = f"{guest.first_name} {guest.last_name}".strip()
    names = tuple(
        dict.fromkeys(name for name in (full_name, guest.first_name, guest.last_name) if len(name.strip()) >= 2)
    )
    return GuestTraces(
        guest_id=guest.pk,
        phone=guest.phone or "",
        email=guest.email or "",
        card_number=guest.card_number or "",
        qr_token=guest.qr_token or "",
        telegram_chat_id=guest.telegram_chat_id,
        telegram_username=guest.telegram_username or "",
        names=names,
        unique_patterns=tuple(patterns),
    )


def _phone_pattern(e164: str) -> str:
    """The number in any spelling: +7 (916) 123-45-67, 8 916 1234567, 79161234567 (national digits, separators
    anywhere, any trunk or country prefix before them)."""
    try:
        national = str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        national = "".join(char for char in e164 if char.isdigit())
    return r"(?<![0-9])(?:\+?[0-9]{1,3}" + _SEPARATORS + ")?" + _SEPARATORS.join(national) + r"(?![0-9])"


class _Scrubber:
    def __init__(self, traces: GuestTraces, *, with_names: bool) -> None:
        parts = list(traces.unique_patterns)
        if with_names:
            parts += [r"\b" + re.escape(name) + r"\b" for name in sorted(traces.names, key=len, reverse=True)]
        self.pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def text(self, value: str) -> str:
        return self.pattern.sub(ERASED_MARK, value) if self.pattern is not None else value

    def document(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {key: self.document(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.document(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and self.text(str(value)) != str(value):
            return ERASED_MARK
        return value


def _mentioning(fields: Iterable[str], traces: GuestTraces) -> Q:
    """Rows where any of these columns (JSON or text) holds one of the guest's unique identifiers."""
    if not traces.unique_patterns:
        return Q(pk__in=[])
    pattern = "|".join(traces.unique_patterns)
    condition = Q()
    for name in fields:
        condition |= Q(**{f"_text_{name}__iregex": pattern})
    return condition


def _with_text(queryset: QuerySet[Any], fields: Iterable[str]) -> QuerySet[Any]:
    aliased: QuerySet[Any] = queryset.alias(**{f"_text_{name}": Cast(name, TextField()) for name in fields})
    return aliased


def _rewrite(
    rows: Iterable[Model], fields: Iterable[str], scrubber: _Scrubber, extra: Callable[[Any], None] | None = None
) -> int:
    """Scrub these fields of each row in Python (JSON documents or texts); save the rows that changed."""
    changed = 0
    fields = list(fields)
    for row in rows:
        before = {name: getattr(row, name) for name in fields}
        for name, value in before.items():
            setattr(row, name, scrubber.document(value))
        if extra is not None:
            extra(row)
        if any(getattr(row, name) != value for name, value in before.items()) or extra is not None:
            row.save(update_fields=[*fields, *(_EXTRA_FIELDS.get(type(row).__name__, ()))])
            changed += 1
    return changed


_EXTRA_FIELDS = {"Receipt": ("content_digest",)}


def _receipts(traces: GuestTraces) -> int:
    receipt_model = apps.get_model("pos", "Receipt")
    documents = ("payload", "lines", "payments", "guest_identifier", "outcome_detail", "last_error")
    rows = _with_text(receipt_model.objects.all(), documents).filter(
        Q(guest_id=traces.guest_id) | Q(guest_identifier__in=traces.exact_values) | _mentioning(documents, traces)
    )
    scrubber = _Scrubber(traces, with_names=True)

    def forget(receipt: Any) -> None:
        if receipt.guest_identifier in traces.exact_values:
            receipt.guest_identifier = ERASED_MARK
        receipt.content_digest = ""

    return _rewrite(rows.order_by("pk"), documents, scrubber, forget)


def _rejected_attempts(traces: GuestTraces) -> int:
    attempt_model = apps.get_model("pos", "RejectedAttempt")
    documents = [
        name
        for name in ("field_errors", "external_id", "connection_ref")
        if _has_field(attempt_model, name)  # the model grows aggregation columns in another change
    ]
    rows = _with_text(attempt_model.objects.all(), documents).filter(_mentioning(documents, traces))
    return _rewrite(rows.order_by("pk"), documents, _Scrubber(traces, with_names=False))


def _telegram(traces: GuestTraces) -> int:
    delivery_model = apps.get_model("telegram_bot", "Delivery")
    chat_model = apps.get_model("telegram_bot", "TelegramChat")
    scrubbed = (
        delivery_model.objects.filter(guest_id=traces.guest_id).exclude(text=ERASED_MARK).update(text=ERASED_MARK)
    )
    scrubber = _Scrubber(traces, with_names=True)
    for delivery in delivery_model.objects.filter(guest_id=traces.guest_id).exclude(reason=""):
        delivery.reason = scrubber.text(delivery.reason)
        delivery.save(update_fields=["reason"])
    chats = Q(guest_id=traces.guest_id)
    if traces.telegram_chat_id is not None:
        chats |= Q(chat_id=traces.telegram_chat_id) | Q(user_id=traces.telegram_chat_id)
    if traces.phone:
        chats |= Q(shared_phone=traces.phone)
    deleted, _by_model = chat_model.objects.filter(chats).delete()
    return scrubbed + deleted


def _messaging(traces: GuestTraces) -> int:
    """The message log's address, subject and bodies of the guest's messages, their failure reasons, and the email
    suppression row of the guest's address (no email can go to an erased guest: nothing left to protect)."""
    message_model = apps.get_model("messaging", "Message")
    suppression_model = apps.get_model("messaging", "EmailSuppression")
    erased = {"recipient": ERASED_MARK, "subject": ERASED_MARK, "text_body": ERASED_MARK, "html_body": ERASED_MARK}
    scrubbed = message_model.objects.filter(guest_id=traces.guest_id).exclude(**erased).update(**erased)
    scrubber = _Scrubber(traces, with_names=True)
    for message in message_model.objects.filter(guest_id=traces.guest_id).exclude(reason=""):
        message.reason = scrubber.text(message.reason)
        message.save(update_fields=["reason"])
    deleted = 0
    if traces.email:
        deleted, _by_model = suppression_model.objects.filter(address=traces.email.strip().lower()).delete()
    return scrubbed + deleted


def _loyalty(traces: GuestTraces) -> int:
    outbox_model = apps.get_model("loyalty", "NotificationOutbox")
    entry_model = apps.get_model("loyalty", "LedgerEntry")
    scrubber = _Scrubber(traces, with_names=True)
    changed = _rewrite(outbox_model.objects.filter(guest_id=traces.guest_id).order_by("pk"), ["payload"], scrubber)
    entries = entry_model.objects.filter(guest_id=traces.guest_id).exclude(reason="").only("pk", "reason")
    return changed + _rewrite(entries.order_by("pk"), ["reason"], scrubber)


def _audit(traces: GuestTraces) -> int:
    entry_model = apps.get_model("audit", "AuditEntry")
    documents = ("changes", "data", "object_repr", "reason")
    rows = _with_text(entry_model.objects.all(), documents).filter(_mentioning(documents, traces))
    return _rewrite(rows.order_by("pk"), documents, _Scrubber(traces, with_names=False))


def _imports(traces: GuestTraces) -> int:
    job_model = apps.get_model("guests", "ImportJob")
    documents = ("errors", "failure")
    rows = _with_text(job_model.objects.all(), documents).filter(_mentioning(documents, traces))
    changed = _rewrite(rows.order_by("pk"), documents, _Scrubber(traces, with_names=False))
    return changed + delete_import_uploads()


def delete_import_uploads() -> int:
    """Uploads still on disk were made before the erasure and may hold the person: deleted; a job not started yet
    fails with a reason (one that is running has the file open and finishes; the service deletes it after)."""
    job_model = apps.get_model("guests", "ImportJob")
    deleted = 0
    for job in job_model.objects.exclude(file="").order_by("pk"):
        job.file.delete(save=False)
        job.file = ""
        updates = ["file"]
        if job.status == "pending":
            job.status, job.finished_at = "failed", timezone.now()
            job.failure = gettext(
                "The uploaded file was deleted when a guest's personal data was erased. Upload it again."
            )
            updates += ["status", "finished_at", "failure"]
        job.save(update_fields=updates)
        deleted += 1
    return deleted


def _exports(traces: GuestTraces) -> int:
    """Written guest exports were made before the erasure and may hold the person: their files are deleted."""
    export_model = apps.get_model("guests", "GuestExport")
    deleted = 0
    for export in export_model.objects.exclude(file="").order_by("pk"):
        export.file.delete(save=False)
        export.file = ""
        export.failure = gettext("The file was deleted when a guest's personal data was erased. Export again.")
        export.save(update_fields=["file", "failure"])
        deleted += 1
    return deleted


def _has_field(model: type[Model], name: str) -> bool:
    return any(item.name == name for item in model._meta.get_fields())


COPIES: dict[str, Callable[[GuestTraces], int]] = {
    "pos.receipt": _receipts,
    "pos.rejectedattempt": _rejected_attempts,
    "telegram_bot": _telegram,
    "messaging": _messaging,
    "loyalty": _loyalty,
    "audit.auditentry": _audit,
    "guests.importjob": _imports,
    "guests.guestexport": _exports,
}


def scrub_copies(traces: GuestTraces) -> dict[str, int]:
    """Scrub every copy listed in COPIES; {place: rows (or files) changed} for the erasure's audit row."""
    return {place: count for place, scrub in COPIES.items() if (count := scrub(traces))}
