"""Development: run the local fake Stripe and YooKassa APIs so an owner can try a checkout without real accounts.

Opening the fake hosted page pays at once and delivers the signed webhook to this platform's endpoint.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.tests.fake_providers import FakeStripe, FakeYooKassa, serving
from tenants.models import site_url


class Command(BaseCommand):
    help = "Run fake Stripe and YooKassa APIs on 127.0.0.1 (development only) and print the settings to use."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stripe-port", type=int, default=12111)
        parser.add_argument("--yookassa-port", type=int, default=12112)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Fake payment providers run only with DEBUG on.")
        platform = site_url(settings.PLATFORM_DOMAIN)
        stripe = FakeStripe(
            api_key="sk_test_fake",
            webhook_url=f"{platform}/billing/webhooks/stripe",
            webhook_secret="whsec_development_fake_provider",  # noqa: S106 (development only)
        )
        yookassa = FakeYooKassa(webhook_url=f"{platform}/billing/webhooks/yookassa")
        with ExitStack() as stack:
            stripe.base_url = stack.enter_context(serving(stripe, options["stripe_port"]))
            yookassa.base_url = stack.enter_context(serving(yookassa, options["yookassa_port"]))
            self.stdout.write("Fake providers are running. Put these in .env and restart the server:\n")
            self.stdout.write(f"STRIPE_SECRET_KEY={stripe.api_key}\nSTRIPE_WEBHOOK_SECRET={stripe.webhook_secret}\n")
            self.stdout.write(f"STRIPE_API_BASE={stripe.base_url}\n")
            self.stdout.write(f"YOOKASSA_SHOP_ID={yookassa.shop_id}\nYOOKASSA_SECRET_KEY={yookassa.secret_key}\n")
            self.stdout.write(f"YOOKASSA_API_URL={yookassa.base_url}/v3\nYOOKASSA_ALLOWED_SOURCES=127.0.0.1/32\n")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
