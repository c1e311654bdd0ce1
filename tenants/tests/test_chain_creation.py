"""A chain is created from a confirmed sign-up or the command in one step; bad input creates nothing."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts.models import Membership, Role, User
from audit.models import AuditEntry
from tenants.models import Chain, Domain
from tests.fixtures import PASSWORD, client_on

GOOD = {
    "name": "Pelmeni Bros",
    "slug": "pelmeni-bros",
    "owner_name": "Ivan",
    "email": "ivan@pelmeni.test",
    "password": "strong-Passw0rd-42",
    "time_zone": "Asia/Yekaterinburg",
    "currency": "RUB",
    "default_language": "ru",
}


@pytest.fixture
def signup(platform_host, mailoutbox, django_capture_on_commit_callbacks):
    """Sign up, then confirm from the emailed link with the same password: the answer of the last step."""

    def sign_up(**changes):
        data = {**GOOD, **changes}
        browser = client_on(platform_host)
        with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after commit
            response = browser.post("/signup/", data)
        if response.status_code != 302:
            return response
        link = re.search(r"https?://\S+(/signup/confirm/\?token=\S+)", mailoutbox[-1].body).group(1)
        return browser.post(link, {"password": data["password"]})

    return sign_up


def test_confirmed_signup_creates_chain_schema_domain_and_owner(db, signup):
    response = signup()
    chain = Chain.objects.get(slug="pelmeni-bros")
    assert response.status_code == 302
    assert response["Location"].startswith("http://pelmeni-bros.ml.test:8000/accounts/handoff/?token=")
    assert schema_exists("pelmeni_bros")
    assert chain.time_zone == "Asia/Yekaterinburg"
    assert chain.status == "trial"
    assert Domain.objects.filter(domain="pelmeni-bros.ml.test", tenant=chain, is_primary=True).exists()
    owner = User.objects.get(email="ivan@pelmeni.test")
    assert owner.email_confirmed_at is not None
    assert Membership.objects.get(user=owner, chain=chain).role == Role.OWNER
    with schema_context(chain.schema_name):
        assert AuditEntry.objects.filter(action="chain.created", actor=owner).exists()


def test_confirmed_signup_hands_the_owner_off_signed_in_on_the_new_host(db, signup):
    location = signup()["Location"]
    path = location.split("pelmeni-bros.ml.test:8000", 1)[1]
    client = client_on("pelmeni-bros.ml.test")
    assert client.get(path)["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"slug": "alpha"}, "slug", "already taken"),
        ({"slug": "www"}, "slug", "reserved"),
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "static"}, "slug", "reserved"),
        ({"slug": "Bad_Slug!"}, "slug", "lowercase"),
        ({"slug": "-dash"}, "slug", "lowercase"),
        ({"slug": "ab"}, "slug", "lowercase"),
        ({"password": "12345678"}, "password", "too"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_signup_bad_input_shows_field_error_and_creates_nothing(worlds, db, signup, changes, field, fragment):
    chains_before, users_before = Chain.objects.count(), User.objects.count()
    response = signup(**changes)
    assert response.status_code == 422
    errors = " ".join(str(error) for error in response.context["form"].errors.get(field, []))
    assert fragment in errors.lower()
    assert Chain.objects.count() == chains_before
    assert User.objects.count() == users_before
    assert response.context["form"]["name"].value() == GOOD["name"]  # what the user typed is kept


def test_failed_schema_creation_leaves_no_chain_and_no_user(db, signup):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA pelmeni_bros")  # something already occupies the schema name
    response = signup()
    assert response.status_code == 422
    assert "could not be created" in response.content.decode()
    assert not Chain.objects.filter(slug="pelmeni-bros").exists()
    assert not Domain.objects.filter(domain="pelmeni-bros.ml.test").exists()
    assert not User.objects.filter(email="ivan@pelmeni.test").exists()


def test_existing_user_joins_new_chain_only_with_own_password(worlds, db, signup):
    wrong = signup(email="owner@alpha.test", password="another-Passw0rd-1")
    assert wrong.status_code == 422
    assert not Chain.objects.filter(slug="pelmeni-bros").exists()
    right = signup(email="owner@alpha.test", password=PASSWORD)
    assert right.status_code == 302
    owner = User.objects.get(email="owner@alpha.test")
    assert owner.memberships.count() == 2


def test_create_chain_command_creates_everything(db, capsys):
    call_command(
        "create_chain",
        name="Shawarma King",
        slug="shawarma",
        owner_email="boss@shawarma.test",
        owner_password="strong-Passw0rd-42",
    )
    assert "http://shawarma.ml.test:8000/" in capsys.readouterr().out
    chain = Chain.objects.get(slug="shawarma")
    assert schema_exists("shawarma")
    assert Membership.objects.filter(chain=chain, user__email="boss@shawarma.test", role=Role.OWNER).exists()


@pytest.mark.parametrize(
    ("slug", "email", "password", "message"),
    [
        ("public", "a@b.test", "strong-Passw0rd-42", "reserved"),
        ("alpha", "a@b.test", "strong-Passw0rd-42", "already taken"),
        ("new-one", "nope", "strong-Passw0rd-42", "valid email"),
        ("new-one", "a@b.test", "short", "too short"),
    ],
)
def test_create_chain_command_refuses_bad_input(worlds, db, slug, email, password, message):
    chains_before = Chain.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("create_chain", name="X", slug=slug, owner_email=email, owner_password=password)
    assert Chain.objects.count() == chains_before


def test_an_address_reserved_by_an_unconfirmed_signup_is_refused_to_the_command_too(db, platform_host):
    from tenants.signup import start_signup

    start_signup(
        name="Early Bird", slug="early-bird", email="bird@early.test", password="strong-Passw0rd-42", client_address=""
    )
    with pytest.raises(CommandError, match="already taken"):
        call_command("create_chain", name="Late", slug="early-bird", owner_email="late@b.test", owner_password="x" * 12)
    assert not Chain.objects.filter(slug="early-bird").exists()
