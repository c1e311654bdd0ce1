"""manage.py import_chain FILE [--slug NEW] [--domain HOST ...]: a chain from an export_chain file, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.chain_transfer import import_chain
from tenants.errors import ChainTransferRefused


class Command(BaseCommand):
    help = "Create a chain from an export_chain file; refused when its slug, schema or a domain exists here."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", default="", help="Import under this slug (default: the exported one).")
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="A host of the chain (repeatable, the first is primary). Default: the exported domains when the "
            "slug is kept, else SLUG.PLATFORM_DOMAIN.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            imported = import_chain(source=options["file"], slug=options["slug"], domains=options["domain"])
        except ChainTransferRefused as error:
            raise CommandError(str(error.message)) from error
        chain = imported.chain
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported chain {chain.slug} ({imported.tables} tables, {imported.users_created} new users) "
                f"at {chain.base_url}/"
            )
        )
