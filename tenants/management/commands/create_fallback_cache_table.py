"""Creates the cache table that development uses when Redis is unreachable (settings.FALLBACK_CACHE_TABLE).

Django's createcachetable asks the database routers, and django-tenants' router allows no model outside the
installed apps in the public schema, so the table (the same columns as createcachetable's) is made here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Create the PostgreSQL cache table used instead of Redis in development."

    def handle(self, *args: Any, **options: Any) -> None:
        table = connection.ops.quote_name(settings.FALLBACK_CACHE_TABLE)
        index = connection.ops.quote_name(f"{settings.FALLBACK_CACHE_TABLE}_expires")
        with connection.cursor() as cursor:
            cursor.execute("SET search_path TO public")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {table} "
                "(cache_key varchar(255) PRIMARY KEY, value text NOT NULL, expires timestamp with time zone NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} (expires)")
