"""The demo chain: logins per role, restaurants, idempotent, refused outside development."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tenants.utils import schema_context

from accounts.models import Membership, User
from restaurants.models import Restaurant
from tenants.models import Chain
from tests.fixtures import client_on


def test_seed_demo_twice_creates_everything_once(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    chain = Chain.objects.get(slug="demo")
    assert "owner@demo.test" in out
    assert "demo-pass-123" in out
    assert Membership.objects.filter(chain=chain).count() == 4
    assert User.objects.filter(email__endswith="@demo.test").count() == 4
    with schema_context(chain.schema_name):
        assert Restaurant.objects.count() == 3
    response = client_on(chain.host).post("/accounts/login/", {"email": "owner@demo.test", "password": "demo-pass-123"})
    assert response["Location"] == "/dashboard/"


@override_settings(DEMO_DATA_ALLOWED=False)
def test_seed_demo_is_refused_outside_development(db):
    with pytest.raises(CommandError, match="only in development"):
        call_command("seed_demo")
    assert not Chain.objects.filter(slug="demo").exists()
