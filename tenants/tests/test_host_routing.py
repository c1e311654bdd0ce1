"""Each chain's host serves that chain; an unknown host gets a clear 404; the routing answer is cached."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain
from tests.fixtures import client_on, signed_in_client


def test_each_chain_host_shows_its_own_name(alpha, beta):
    assert "Alpha" in client_on(alpha.host).get("/accounts/login/").content.decode()
    assert "Beta" in client_on(beta.host).get("/accounts/login/").content.decode()


def test_unknown_host_gets_a_readable_404_page(db):
    response = client_on("nowhere.ml.test").get("/")
    assert response.status_code == 404
    assert "nowhere.ml.test" in response.content.decode()


def test_unknown_host_on_api_path_gets_json_404(db):
    response = client_on("nowhere.ml.test").get("/api/v1/auth/me")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_host"


def test_platform_host_serves_landing_page(db, platform_host):
    response = client_on(platform_host).get("/")
    assert response.status_code == 200
    assert "MAX-LOYALTY" in response.content.decode()


def test_routing_is_served_from_cache_after_first_request(alpha):
    client = client_on(alpha.host)
    client.get("/accounts/login/")  # not /healthz: the probes answer before any chain is looked up
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/login/").status_code == 200
    assert not [query for query in queries.captured_queries if "tenants_domain" in query["sql"]]


def test_new_custom_domain_routes_at_once(alpha):
    client = client_on("club.alpha-food.ml.test")
    assert client.get("/accounts/login/").status_code == 404
    connection.set_schema_to_public()
    Domain.objects.create(domain="club.alpha-food.ml.test", tenant=alpha.chain, is_primary=False)
    response = signed_in_client(alpha, "owner").get("/dashboard/", HTTP_HOST="club.alpha-food.ml.test")
    assert response.status_code == 200
