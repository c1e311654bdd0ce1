"""manage.py create_chain: a new chain with its schema, domain and owner, from the command line."""

from __future__ import annotations

import getpass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from maxloyalty.errors import DomainError
from tenants.models import DEFAULT_CURRENCY
from tenants.services import create_chain


class Command(BaseCommand):
    help = "Create a restaurant chain: tenant, schema, domain and owner user, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Asked interactively when omitted.")
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--time-zone", default=settings.DEFAULT_CHAIN_TIME_ZONE)
        parser.add_argument("--currency", default=DEFAULT_CURRENCY)
        parser.add_argument("--language", default="ru", choices=[code for code, _ in settings.LANGUAGES])

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["owner_password"] or getpass.getpass("Owner password: ")
        try:
            chain, owner = create_chain(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                owner_password=password,
                owner_name=options["owner_name"],
                time_zone=options["time_zone"],
                currency=options["currency"],
                default_language=options["language"],
            )
        except DomainError as error:
            details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
            raise CommandError(f"{error.message}. {details}".strip()) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created chain {chain.name} at {chain.base_url}/ with owner {owner.email}")
        )
