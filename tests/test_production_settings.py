"""Production settings refuse to start with an insecure configuration and name the variable to fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAFE = {
    "SECRET_KEY": "k" * 20 + "-production-grade-secret-value-123",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "ALLOWED_HOSTS": "maxloyalty.example,.maxloyalty.example",
    "PLATFORM_DOMAIN": "maxloyalty.example",
    "FIELD_ENCRYPTION_KEYS": "bXF4bG95YWx0eS10ZXN0LWtleS0wMDAwMDAwMDAwMDA=",
    "DEPLOYMENT_NAME": "maxloyalty-production",
}


def _start(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(SAFE)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "maxloyalty.settings.prod"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_safe_configuration_starts():
    result = _start()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DEPLOYMENT_NAME": None}, "DEPLOYMENT_NAME"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "not-a-fernet-key"}, "FIELD_ENCRYPTION_KEYS"),
        ({"TWILIO_API_BASE": "http://twilio-proxy.internal"}, "TWILIO_API_BASE"),
        ({"SMSRU_API_BASE": "http://sms.ru"}, "SMSRU_API_BASE"),
        ({"EMAIL_PROVIDER": "mailgun", "ANYMAIL_WEBHOOK_SECRET": None}, "ANYMAIL_WEBHOOK_SECRET"),
        ({"EMAIL_PROVIDER": "sendgrid", "ANYMAIL_WEBHOOK_SECRET": "a:b"}, "ANYMAIL_WEBHOOK_SECRET"),
        ({"EMAIL_PROVIDER": "carrier-pigeon"}, "EMAIL_PROVIDER"),
    ],
)
def test_insecure_configuration_is_refused_naming_the_variable(overrides, named):
    result = _start(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]
