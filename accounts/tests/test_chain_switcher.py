"""The layout's chain switcher: a user working for several chains moves to another one through the one-time
hand-off, signed in there without a password; chains they do not work for are never listed nor opened."""

from django_tenants.utils import schema_context

from accounts.models import Membership
from accounts.services import grant_membership, set_staff_active
from tenants.models import ChainStatus
from tests.fixtures import client_on, signed_in_client


def _also_in_beta(user, beta, role):
    with schema_context(beta.chain.schema_name):
        grant_membership(user=user, chain_id=beta.chain.id, role=role, restaurants=beta.restaurants[:1])


def _set_active_in_beta(user, beta, active):
    """Beta's owner deactivates or reactivates the user's membership there, as on beta's staff page."""
    with schema_context(beta.chain.schema_name):
        membership = Membership.objects.get(user=user, chain=beta.chain)
        set_staff_active(membership=membership, is_active=active, actor=beta.user("owner"), actor_role="owner")


def _path_on(url, host):
    assert url.startswith(f"http://{host}:8000/"), url
    return url.split(f"{host}:8000", 1)[1]


def test_member_of_two_chains_sees_the_other_one_in_the_switcher(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    _also_in_beta(alpha.user("owner"), beta, "manager")
    html = signed_in_client(alpha, "owner").get("/dashboard/").content.decode()
    assert 'data-testid="chain-switcher"' in html
    assert f'name="chain" value="{beta.chain.pk}"' in html
    assert ">Beta</button>" in html


def test_switcher_lists_only_chains_the_user_works_for(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    _also_in_beta(alpha.user("admin"), beta, "admin")
    html = signed_in_client(alpha, "manager").get("/dashboard/").content.decode()  # the manager is only in alpha
    assert 'data-testid="chain-switcher"' not in html
    assert f'value="{beta.chain.pk}"' not in html
    assert 'data-testid="chain-name">Alpha<' in html


def test_deactivated_membership_or_closed_chain_is_not_listed(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    user = alpha.user("owner")
    _also_in_beta(user, beta, "admin")
    _set_active_in_beta(user, beta, False)
    assert ">Beta</button>" not in signed_in_client(alpha, "owner").get("/dashboard/").content.decode()

    _set_active_in_beta(user, beta, True)
    type(beta.chain).objects.filter(pk=beta.chain.pk).update(status=ChainStatus.CLOSED)
    assert ">Beta</button>" not in signed_in_client(alpha, "owner").get("/dashboard/").content.decode()


def test_switching_lands_signed_in_on_the_other_chains_dashboard(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    _also_in_beta(alpha.user("owner"), beta, "manager")
    response = signed_in_client(alpha, "owner").post("/accounts/chains/switch/", {"chain": beta.chain.pk})
    assert response.status_code == 302
    beta_browser = client_on(beta.host)  # a fresh browser on beta's host: no session there yet
    landing = beta_browser.get(_path_on(response["Location"], beta.host))
    assert landing["Location"] == "/dashboard/"
    dashboard = beta_browser.get("/dashboard/")
    assert dashboard.status_code == 200
    assert 'data-testid="chain-switcher"' in dashboard.content.decode()  # and alpha is offered back
    assert f'value="{alpha.chain.pk}"' in dashboard.content.decode()


def test_cashier_in_the_other_chain_lands_on_its_till(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    _also_in_beta(alpha.user("manager"), beta, "cashier")
    response = signed_in_client(alpha, "manager").post("/accounts/chains/switch/", {"chain": beta.chain.pk})
    landing = client_on(beta.host).get(_path_on(response["Location"], beta.host))
    assert landing["Location"] == "/cashier/"


def test_switching_to_a_chain_the_user_does_not_work_for_is_refused(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    response = signed_in_client(alpha, "owner").post("/accounts/chains/switch/", {"chain": beta.chain.pk})
    assert response.status_code == 404


def test_switching_needs_a_signed_in_member_and_a_post(worlds, db):
    alpha, beta = worlds["alpha"], worlds["beta"]
    assert client_on(alpha.host).post("/accounts/chains/switch/", {"chain": beta.chain.pk}).status_code == 302
    assert signed_in_client(alpha, "owner").get(f"/accounts/chains/switch/?chain={beta.chain.pk}").status_code == 405
