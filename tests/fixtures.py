"""Fixtures shared by every test: two chains (alpha and beta) with one user per role, host-bound clients.

The chains are created once per test session (schemas are costly) and committed; each test runs in a
transaction that is rolled back, so what a test writes never leaks into the next one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_redis import get_redis_connection
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from accounts.services import grant_membership
from restaurants.models import Restaurant
from tenants.models import Chain
from tenants.services import create_chain

PASSWORD = "correct-horse-battery-9"


@dataclass
class ChainWorld:
    """A chain with two restaurants and a user per role; the manager and cashier work only in restaurants[0]."""

    chain: Chain
    restaurants: list[Restaurant]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.chain.host

    def user(self, role: str) -> User:
        return self.users[role]


def _build_world(slug: str, name: str) -> ChainWorld:
    chain, owner = create_chain(name=name, slug=slug, owner_email=f"owner@{slug}.test", owner_password=PASSWORD)
    world = ChainWorld(chain=chain, restaurants=[], users={Role.OWNER: owner})
    with schema_context(chain.schema_name):
        world.restaurants = [
            Restaurant.objects.create(name=f"{name} Center", address="Main st. 1"),
            Restaurant.objects.create(name=f"{name} Riverside", address="River st. 2"),
        ]
        for role in (Role.ADMIN, Role.MANAGER, Role.CASHIER):
            user = User.objects.create_user(f"{role}@{slug}.test", PASSWORD, full_name=f"{role.title()} {name}")
            grant_membership(user=user, chain_id=chain.id, role=role, restaurants=world.restaurants[:1])
            world.users[role] = user
    return world


def _reused_world(slug: str) -> ChainWorld | None:
    """With --reuse-db the previous run's committed chain is still there, with its restaurants and users: use it."""
    chain = Chain.objects.filter(slug=slug).first()
    if chain is None:
        return None
    with schema_context(chain.schema_name):
        restaurants = list(Restaurant.objects.order_by("id")[:2])
    roles = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.CASHIER)
    users = {
        user.email.split("@")[0]: user for user in User.objects.filter(email__in=[f"{r}@{slug}.test" for r in roles])
    }
    return ChainWorld(chain=chain, restaurants=restaurants, users={role: users[role] for role in roles})


@pytest.fixture(scope="session")
def worlds(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict[str, ChainWorld]]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        built = {
            slug: _reused_world(slug) or _build_world(slug, name)
            for slug, name in (("alpha", "Alpha"), ("beta", "Beta"))
        }
        connection.set_schema_to_public()
    yield built


@pytest.fixture
def alpha(worlds: dict[str, ChainWorld], db: None) -> Iterator[ChainWorld]:
    """Chain A, with its schema active for the test body."""
    with schema_context(worlds["alpha"].chain.schema_name):
        yield worlds["alpha"]


@pytest.fixture
def beta(worlds: dict[str, ChainWorld], db: None) -> ChainWorld:
    return worlds["beta"]


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache() -> Iterator[None]:
    """Each test starts on the public schema with this process's Redis keys gone (login locks, throttles)."""
    _delete_own_redis_keys()
    yield
    connection.set_schema_to_public()


def _delete_own_redis_keys() -> None:
    for alias, config in settings.CACHES.items():
        if "Redis" not in str(config["BACKEND"]):
            continue
        redis = get_redis_connection(alias)
        keys = list(redis.scan_iter(match=f"*test-{os.getpid()}-*", count=1000))
        if keys:
            redis.delete(*keys)


def client_on(host: str, language: str | None = "en") -> Client:
    """A browser on that host; English by default so assertions read plainly (language=None: no preference)."""
    client = Client(HTTP_HOST=host)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def api_on(host: str, language: str | None = "en") -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def signed_in_client(world: ChainWorld, role: str) -> Client:
    client = client_on(world.host)
    client.force_login(world.user(role), backend="django.contrib.auth.backends.ModelBackend")
    return client


def api_token(world: ChainWorld, role: str) -> str:
    response = api_on(world.host).post(
        "/api/v1/auth/login", {"email": world.user(role).email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access"])


def api_as(world: ChainWorld, role: str) -> APIClient:
    client = api_on(world.host)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(world, role)}")
    return client


@pytest.fixture
def cluster_home() -> Iterator[Path]:
    """A folder for a private PostgreSQL cluster outside pytest's temporary folders: pytest makes its base folder
    private (0700) whenever a session starts, which would shut the cluster's server user out of its data."""
    home = Path(tempfile.mkdtemp(prefix="ml-cluster-"))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def platform_host() -> str:
    return settings.PLATFORM_DOMAIN


__all__ = ["PASSWORD", "ChainWorld", "Membership", "api_as", "api_on", "api_token", "client_on", "signed_in_client"]
