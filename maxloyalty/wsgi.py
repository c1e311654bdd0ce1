"""WSGI entry point (gunicorn, and runserver through WSGI_APPLICATION). django-tenants' schema switching needs a
synchronous server. Signed POS webhooks are acknowledged in front of Django (pos.webhook_intake)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")

django_application = get_wsgi_application()

from pos.webhook_intake import WebhookIntake  # noqa: E402  (needs the apps loaded by get_wsgi_application)

application = WebhookIntake(django_application)
