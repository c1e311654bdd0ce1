"""manage.py seed_demo: the demo chain with its logins (development only, idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.demo import DEMO_PASSWORD, seed_demo
from tenants.errors import DemoDataNotAllowed
from tenants.models import site_url


class Command(BaseCommand):
    help = "Create (or complete) the demo chain 'demo' and print its URLs and logins."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = seed_demo()
        except DemoDataNotAllowed as error:
            raise CommandError(str(error)) from error
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("MAX-LOYALTY demo is ready"))
        write(f"  Demo chain:      {logins.chain.base_url}/")
        write(f"  Platform site:   {site_url(settings.PLATFORM_DOMAIN)}/  (sign-up, chain chooser)")
        write(f"  Platform admin:  {site_url(settings.PLATFORM_DOMAIN)}/admin/  {logins.platform_staff_email}")
        write(f"  API docs:        {logins.chain.base_url}/api/docs/")
        write(f"  Logins (password {DEMO_PASSWORD}):")
        for email, role in logins.emails:
            write(f"    {role:<15} {email}")
        write("")
