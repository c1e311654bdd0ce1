"""manage.py export_chain SLUG --output FILE: one chain (its schema and its public rows) to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.chain_transfer import export_chain
from tenants.errors import ChainTransferRefused


class Command(BaseCommand):
    help = "Write one chain (schema and public rows, one consistent snapshot) to a tar file for import_chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", required=True, type=Path, help="The file to write (a tar archive).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = export_chain(slug=options["slug"], output=options["output"])
        except ChainTransferRefused as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(self.style.SUCCESS(f"Exported chain {manifest['slug']} to {options['output']}"))
