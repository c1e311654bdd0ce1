"""`manage.py import_guests FILE --chain SLUG`: guests from a CSV file, with a progress bar and a report of bad rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context
from tqdm import tqdm

from accounts.models import User
from guests.csv_import import KNOWN_COLUMNS, count_rows
from guests.errors import ImportFileInvalid
from guests.services import ImportReport, import_guests_csv
from tenants.models import Chain


class Command(BaseCommand):
    help = (
        "Import guests from a CSV file into a chain. Columns: "
        + ", ".join(KNOWN_COLUMNS)
        + " (phone required). Guests with the same phone are merged; bad rows are reported by line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--chain", required=True, help="The chain's slug")
        parser.add_argument("--actor", default="", help="Email of the staff member recorded in the audit log")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (e.g. in cron logs)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        chain = Chain.objects.filter(slug=options["chain"]).exclude(schema_name="public").first()
        if chain is None:
            raise CommandError(f"No chain with slug {options['chain']!r}")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email=options["actor"].lower()).first()
            if actor is None:
                raise CommandError(f"No user with email {options['actor']!r}")
        with schema_context(chain.schema_name), path.open("rb") as binary:
            try:
                total = count_rows(binary)
                with tqdm(
                    total=total, unit="row", file=self.stderr, disable=options["no_progress"], desc=path.name
                ) as bar:

                    def advance(report: ImportReport) -> None:
                        bar.update(report.processed - bar.n)

                    report = import_guests_csv(binary, actor=actor, on_progress=advance, progress_every=50, total=total)
                    bar.update(report.processed - bar.n)
            except ImportFileInvalid as error:
                raise CommandError(str(error.message)) from error
        for column in report.ignored_columns:
            self.stderr.write(f"Ignored unknown column: {column}")
        for row_error in report.errors:
            self.stderr.write(f"line {row_error['line']}: {row_error['reason']}")
        if report.failed > len(report.errors):
            self.stderr.write(f"... and {report.failed - len(report.errors)} more bad rows")
        for duplicate in report.duplicates:
            found = ", ".join(
                f"#{match['guest_id']} by {'+'.join(match['reasons'])}"
                for match in duplicate["matches"]
                if match["guest_id"] != duplicate["guest_id"]
            )
            if found:
                self.stdout.write(
                    f"line {duplicate['line']}: guest #{duplicate['guest_id']} may be the same as {found}"
                )
        self.stdout.write(
            f"{report.processed} rows: {report.created} created, {report.updated} updated, {report.failed} failed"
        )
