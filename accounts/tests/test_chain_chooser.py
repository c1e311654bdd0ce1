"""On the platform host a user picks one of their chains and lands signed in on that chain's host."""

from accounts.models import User
from accounts.services import grant_membership
from tests.fixtures import PASSWORD, client_on


def _platform_sign_in(platform_host, email):
    client = client_on(platform_host)
    response = client.post("/accounts/login/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _path_on(url, host):
    return url.split(f"{host}:8000", 1)[1]


def test_user_of_several_chains_gets_a_chooser_with_each(worlds, db, platform_host):
    user = User.objects.get(email="owner@alpha.test")
    from django_tenants.utils import schema_context

    with schema_context("beta"):
        grant_membership(user=user, chain_id=worlds["beta"].chain.id, role="manager")
    client = _platform_sign_in(platform_host, "owner@alpha.test")
    page = client.get("/accounts/chains/")
    entries = page.context["entries"]
    assert [entry["chain"].slug for entry in entries] == ["alpha", "beta"]
    beta_link = entries[1]["url"]
    beta_browser = client_on(worlds["beta"].host)
    landing = beta_browser.get(_path_on(beta_link, worlds["beta"].host))
    assert landing["Location"] == "/dashboard/"
    assert beta_browser.get("/dashboard/").status_code == 200


def test_user_of_one_chain_goes_straight_there(worlds, db, platform_host):
    client = _platform_sign_in(platform_host, "cashier@alpha.test")
    response = client.get("/accounts/chains/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"http://{worlds['alpha'].host}:8000/accounts/handoff/")


def test_handoff_link_works_once_and_only_on_its_chain(worlds, db, platform_host):
    client = _platform_sign_in(platform_host, "cashier@alpha.test")
    link = client.get("/accounts/chains/")["Location"]
    path = _path_on(link, worlds["alpha"].host)
    on_beta = client_on(worlds["beta"].host).get(path)
    assert on_beta["Location"] == "/accounts/login/"
    client.get("/accounts/chains/")  # a fresh link for the real use
    fresh_path = _path_on(client.get("/accounts/chains/")["Location"], worlds["alpha"].host)
    first = client_on(worlds["alpha"].host).get(fresh_path)
    assert first["Location"] == "/cashier/"
    replay = client_on(worlds["alpha"].host).get(fresh_path)
    assert replay["Location"] == "/accounts/login/"


def test_forged_handoff_token_is_refused(worlds, db):
    response = client_on(worlds["alpha"].host).get("/accounts/handoff/?token=forged")
    assert response["Location"] == "/accounts/login/"


def test_handoff_link_of_someone_deactivated_meanwhile_never_signs_them_in(worlds, db, platform_host):
    from django_tenants.utils import schema_context

    from accounts.models import Membership
    from accounts.services import set_staff_active

    client = _platform_sign_in(platform_host, "cashier@alpha.test")
    path = _path_on(client.get("/accounts/chains/")["Location"], worlds["alpha"].host)
    cashier = Membership.objects.get(user__email="cashier@alpha.test", chain=worlds["alpha"].chain)
    owner = User.objects.get(email="owner@alpha.test")
    with schema_context("alpha"):
        set_staff_active(membership=cashier, is_active=False, actor=owner, actor_role="owner")
    signed_in_at = User.objects.get(email="cashier@alpha.test").last_login
    browser = client_on(worlds["alpha"].host)
    landing = browser.get(path)
    assert landing["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in browser.session
    # Refused before any sign-in, not signed in and then out: a sign-in would have moved last_login.
    assert User.objects.get(email="cashier@alpha.test").last_login == signed_in_at
