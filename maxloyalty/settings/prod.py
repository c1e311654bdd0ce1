"""Production: refuses to start with an insecure configuration and names the variable to fix."""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production (a long random string).")

if not os.environ.get("FIELD_ENCRYPTION_KEYS"):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set in production (comma-separated Fernet keys, newest first; "
        'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
    )

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (postgres://user:password@host:5432/name).")

if not os.environ.get("DEPLOYMENT_NAME"):
    raise ImproperlyConfigured(
        "DEPLOYMENT_NAME must be set in production (e.g. maxloyalty-prod): it keeps this deployment's Redis keys and "
        "Celery queue apart from any other deployment on the same Redis."
    )

os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("SITE_PORT", "")
os.environ.setdefault("REFRESH_COOKIE_SECURE", "true")

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, ANYMAIL, DEBUG, EMAIL_PROVIDER, SECRET_KEY, SMSRU_API_BASE, TWILIO_API_BASE

DEMO_DATA_ALLOWED = False

for _key in os.environ["FIELD_ENCRYPTION_KEYS"].split(","):
    try:
        Fernet(_key.strip().encode())
    except ValueError as _error:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from _error

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: unset DEBUG or set DEBUG=false.")
if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use at least 32 random characters.")
if not ALLOWED_HOSTS or any(host in {"*", ".*"} for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("ALLOWED_HOSTS is insecure for production: list the platform's host names, not '*'.")
for _name, _root in (("TWILIO_API_BASE", TWILIO_API_BASE), ("SMSRU_API_BASE", SMSRU_API_BASE)):
    if _root and not _root.startswith("https://"):
        raise ImproperlyConfigured(
            f"{_name} must be an https:// address in production: chains' SMS credentials go there."
        )
if EMAIL_PROVIDER in {"sendgrid", "mailgun"} and len(ANYMAIL.get("WEBHOOK_SECRET", "")) < 16:
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be set in production with an email provider: 'user:password', 16+ characters."
    )

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# SECURE_PROXY_SSL_HEADER comes from TRUSTED_PROXY_SSL_HEADER (base.py): behind a TLS-terminating proxy, name the
# header it sets (X-Forwarded-Proto), or every request looks like plain HTTP and is redirected to HTTPS.
SECURE_SSL_REDIRECT = True
# A year of HTTPS-only for the platform's host and every chain's subdomain.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SITE_SCHEME = "https"
