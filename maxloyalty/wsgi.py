"""WSGI entry point (gunicorn). django-tenants' schema switching needs a synchronous server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")

application = get_wsgi_application()
