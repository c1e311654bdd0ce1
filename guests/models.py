"""Guests of a chain (one schema per chain): identity, contacts, consents, and their visits."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F
from django.db.models.functions import ExtractDay, ExtractMonth, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guests.search_text import SEARCH_NAME_LENGTH, search_keys_of, search_name_of
from maxloyalty.chain_files import FileKind, new_file_name
from tenants.models import DEFAULT_CURRENCY


class GuestStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("guest status", "Active")
    BLOCKED = "blocked", pgettext_lazy("guest status", "Blocked")
    ERASED = "erased", _("Erased")
    MERGED = "merged", _("Merged into another guest")


class GuestSource(models.TextChoices):
    CASHIER = "cashier", _("Cashier")
    IMPORT = "import", _("Import")
    TELEGRAM = "telegram", _("Telegram")
    API = "api", _("API")
    SIGNUP = "signup", _("Sign-up page")
    POS = "pos", _("POS")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class ConsentChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", _("Telegram")


def new_qr_token() -> str:
    return secrets.token_urlsafe(16)


class Guest(models.Model):
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, help_text=_("E.164, e.g. +79161234567"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    telegram_chat_id = models.BigIntegerField(_("Telegram chat id"), null=True, blank=True)
    telegram_username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    card_number = models.CharField(_("card number"), max_length=32, null=True, blank=True)
    qr_token = models.CharField(_("QR token"), max_length=64, default=new_qr_token)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True, verbose_name=_("tags"))
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=GuestSource.choices, default=GuestSource.CASHIER)
    status = models.CharField(_("status"), max_length=16, choices=GuestStatus.choices, default=GuestStatus.ACTIVE)
    sms_consent_at = models.DateTimeField(_("SMS consent given at"), null=True, blank=True)
    sms_consent_withdrawn_at = models.DateTimeField(_("SMS consent withdrawn at"), null=True, blank=True)
    email_consent_at = models.DateTimeField(_("email consent given at"), null=True, blank=True)
    email_consent_withdrawn_at = models.DateTimeField(_("email consent withdrawn at"), null=True, blank=True)
    telegram_consent_at = models.DateTimeField(_("Telegram consent given at"), null=True, blank=True)
    telegram_consent_withdrawn_at = models.DateTimeField(_("Telegram consent withdrawn at"), null=True, blank=True)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    home_restaurant = models.ForeignKey(
        "restaurants.Restaurant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("home restaurant"),
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    # Set by guests.merge when this profile was merged into another (status MERGED): its id then leads there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged into")
    )
    # Sample data (tenants/sample_data.py): shown with a "sample" badge, left out of billing counts, and removed with
    # everything it owns (visits, checks, ledger entries) when the owner turns samples off.
    is_sample = models.BooleanField(_("sample guest"), default=False)
    # The chain's one test guest (pos.services.test_checks): its checks prove a POS connection works and are left
    # out of analytics and billing counts.
    is_test = models.BooleanField(_("test guest"), default=False)
    # The name as searched (guests.search_text): kept by save() from first_name and last_name, so every write path
    # (the services, the import, the bot, sample data) keeps it; set-based writes fill it themselves.
    search_name = models.CharField(_("name as searched"), max_length=SEARCH_NAME_LENGTH, blank=True, editable=False)
    # Its lookup keys (guests.search_text.search_keys_of: words, one-letter-shorter spellings, beginnings).
    search_keys = ArrayField(models.TextField(), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        constraints = [
            models.UniqueConstraint(fields=["phone"], name="guests_guest_phone_unique"),
            models.UniqueConstraint(fields=["card_number"], name="guests_guest_card_unique"),
            models.UniqueConstraint(fields=["qr_token"], name="guests_guest_qr_unique"),
            models.UniqueConstraint(fields=["telegram_chat_id"], name="guests_guest_telegram_unique"),
            # Also the index the roll-ups and billing read the test guest by: a handful of rows at most.
            models.UniqueConstraint(
                fields=["is_test"], condition=models.Q(is_test=True), name="guests_guest_one_test_guest"
            ),
        ]
        indexes = [
            models.Index(fields=["email"], name="guests_guest_email_idx"),
            models.Index(fields=["status"], name="guests_guest_status_idx"),
            # The lists' order, newest first by (created_at, id): a page is a walk of this index, even when each
            # guest is tested against a restaurant-limited role's visits (partitioned by month, an EXISTS per row).
            models.Index(fields=["created_at", "id"], name="guests_guest_created_id_idx"),
            models.Index(fields=["updated_at"], name="guests_guest_updated_idx"),
            # Recent activity first (guests never seen last): the order of searches (guests.search) and the index
            # of last-visit filters.
            models.Index(F("last_visit_at").desc(nulls_last=True), F("id").desc(), name="guests_guest_recent_idx"),
            # Search (guests.search): an email by its beginning (the collation is not C: a plain btree cannot
            # serve LIKE) ...
            models.Index(OpClass("email", name="varchar_pattern_ops"), name="guests_guest_email_prefix_idx"),
            # ... a name with typos and in either alphabet, by its keys ...
            GinIndex(fields=["search_keys"], name="guests_guest_search_keys_idx"),
            # ... and through pg_trgm (created only where the extension is: guests.migrations.0008 and
            # guests.search.trigram_search_available): a phone by its last 4+ digits or a fragment, a word in the
            # staff's note.
            GinIndex(OpClass("phone", name="gin_trgm_ops"), name="guests_guest_phone_trgm"),
            GinIndex(OpClass(Upper("note"), name="gin_trgm_ops"), name="guests_guest_note_trgm"),
            # "Are samples on?" (the banner on every page) and their removal read only the few sample rows.
            models.Index(fields=["id"], condition=models.Q(is_sample=True), name="guests_guest_sample_idx"),
            # Birthdays of a week (analytics "birthdays this week", the birthday bonus): by month and day, not a
            # scan of every guest (366 ms at 1M guests, bench/page_budget.py).
            models.Index(ExtractMonth("birthday"), ExtractDay("birthday"), name="guests_guest_birthday_md_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.phone or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = search_name_of(self.first_name, self.last_name)
        self.search_keys = search_keys_of(self.search_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name", "search_keys"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_blocked(self) -> bool:
        return self.status == GuestStatus.BLOCKED

    @property
    def is_erased(self) -> bool:
        return self.status == GuestStatus.ERASED

    def has_consent(self, channel: str) -> bool:
        """Consent counts when it was given and not withdrawn afterwards (both times are kept as history)."""
        given_at = getattr(self, f"{channel}_consent_at")
        withdrawn_at = getattr(self, f"{channel}_consent_withdrawn_at")
        return given_at is not None and (withdrawn_at is None or withdrawn_at < given_at)


# What the POS pipeline reads of a guest for a batch of checks: the loyalty rules (status, tags) and the message after
# the check (Telegram chat, language, and the email and SMS consents: a guest without the bot gets it there). The
# profile's other columns (names, addresses, visit times, ...) are not loaded.
GUEST_FIELDS_FOR_CHECKS = (
    "status",
    "tags",
    "telegram_chat_id",
    "language",
    "email_consent_at",
    "email_consent_withdrawn_at",
    "sms_consent_at",
    "sms_consent_withdrawn_at",
)


class Visit(models.Model):
    # The foreign keys use the (guest | restaurant, -visited_at) indexes below, not single-column ones.
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="visits", db_index=False)
    restaurant = models.ForeignKey(
        "restaurants.Restaurant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        db_index=False,
    )
    visited_at = models.DateTimeField(_("visited at"))
    check_amount = models.DecimalField(_("check amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    points_earned = models.IntegerField(_("points earned"), default=0)
    points_spent = models.IntegerField(_("points spent"), default=0)
    receipt_id = models.BigIntegerField(_("POS receipt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["guest", "-visited_at"], name="guests_visit_guest_time_idx"),
            models.Index(fields=["restaurant", "-visited_at"], name="guests_visit_rest_time_idx"),
            models.Index(fields=["visited_at"], name="guests_visit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id} @ {self.visited_at:%Y-%m-%d}: {self.check_amount}"


class RestaurantGuest(models.Model):
    """This guest has visited this restaurant (since first_visited_at): kept by every visit write
    (guests.services.record_visits_on_guests), so what a manager or cashier of some restaurants may see
    (guests.selectors.visible_guests) is one index probe here, not a search through every month of the visits."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="+", db_index=False)  # the pair's key
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.CASCADE, related_name="+")
    first_visited_at = models.DateTimeField(_("first visit"))

    class Meta:
        verbose_name = _("guest of a restaurant")
        verbose_name_plural = _("guests of restaurants")
        constraints = [models.UniqueConstraint(fields=["guest", "restaurant"], name="guests_restaurantguest_once")]

    def __str__(self) -> str:
        return f"{self.guest_id} @ {self.restaurant_id}"


class GuestMerge(models.Model):
    """One merge of a duplicate profile into the surviving one (guests.merge): what moved and what each profile held
    before, so `unmerge_guests` puts everything back exactly within UNDO_DAYS."""

    survivor = models.ForeignKey(Guest, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Guest, on_delete=models.PROTECT, related_name="merges_absorbed")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"entries": [id, ...], "remaining": {id: points}, "visits": [...], "checks": [...], "receipts": [...],
    #  "code_uses": [...], "telegram_chats": [...]}: the merged guest's rows re-pointed to the survivor.
    moved = models.JSONField(_("rows moved"), default=dict)
    # The profile fields each guest had before the merge (only those the merge changed), and both accounts' figures.
    survivor_before = models.JSONField(_("survivor's fields before"), default=dict)
    merged_before = models.JSONField(_("merged guest's fields before"), default=dict)
    accounts_before = models.JSONField(_("accounts before"), default=dict)
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("guest merge")
        verbose_name_plural = _("guest merges")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(survivor=F("merged")), name="guests_guestmerge_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class DuplicateCandidate(models.Model):
    """A pair of guests the duplicate scan (guests.duplicate_scans) found to be probably one person, with its
    reasons: the duplicates page and API read these rows instead of comparing every guest on each request. The
    lower id is `first`; a pair whose guest was merged or erased since is left out when read."""

    first = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="+", db_index=False)  # the pair's key
    second = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="+")
    reasons = ArrayField(models.CharField(max_length=16), verbose_name=_("reasons"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="guests_duplicatecandidate_one_per_pair"),
            models.CheckConstraint(condition=models.Q(first__lt=F("second")), name="guests_duplicatecandidate_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class DuplicateScan(models.Model):
    """One finished scan of the whole chain for duplicates: when, how long it took, how many pairs it found."""

    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)
    seconds = models.FloatField(_("seconds"), default=0)
    pairs = models.PositiveIntegerField(_("pairs found"), default=0)

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}: {self.pairs}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def import_upload_path(job: ImportJob, filename: str) -> str:
    """Under the chain's own prefix (maxloyalty.chain_files): "chains/<schema>/guest-imports/<random>.csv"."""
    return new_file_name(kind=FileKind.GUEST_IMPORT, original_name=filename)


class ImportJob(models.Model):
    """A CSV upload of guests, processed by a Celery task; staff poll its counters while it runs."""

    MAX_ERRORS_KEPT = 1000

    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file = models.FileField(_("file"), upload_to=import_upload_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(_("rows in file"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("guests created"), default=0)
    updated = models.PositiveIntegerField(_("guests updated"), default=0)
    failed = models.PositiveIntegerField(_("rows failed"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True, help_text=_("[{line, reason}]"))
    duplicates = models.JSONField(
        _("rows matching existing guests"),
        default=list,
        blank=True,
        help_text=_("[{line, guest_id, matches: [{guest_id, reasons}]}]"),
    )
    failure = models.TextField(_("why the whole import failed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest import")
        verbose_name_plural = _("guest imports")
        indexes = [models.Index(fields=["-created_at"], name="guests_importjob_created_idx")]

    def __str__(self) -> str:
        return f"{self.file_name or self.pk} ({self.status})"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


def export_file_path(export: GuestExport, filename: str) -> str:
    """Under the chain's own prefix (maxloyalty.chain_files): "chains/<schema>/guest-exports/<random>.csv"."""
    return new_file_name(kind=FileKind.GUEST_EXPORT, original_name=filename)


class GuestExport(models.Model):
    """A guest export too large to stream while the browser waits: written by a Celery task into the chain's files,
    then downloaded by the staff member who asked for it (the filters and contact masking were theirs)."""

    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file_format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to=export_file_path, blank=True)
    rows = models.PositiveIntegerField(_("guests exported"), default=0)
    failure = models.TextField(_("why the export failed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest export")
        verbose_name_plural = _("guest exports")
        indexes = [models.Index(fields=["-created_at"], name="guests_export_created_idx")]

    def __str__(self) -> str:
        return f"{self.file_format} export {self.pk} ({self.status})"

    @property
    def download_name(self) -> str:
        return f"guests-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.{self.file_format}"
