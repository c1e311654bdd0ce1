"""A POS connection's own page: the webhook's copy-paste examples carry its real address (and its secret right after
it is issued, once), and the live view lists its last checks with their outcome, a test check marked test."""

from __future__ import annotations

import pytest

from pos.models import PosConnection
from pos.services.connection_checks import send_test_check
from tests.checks import committed_effects, pos_connection
from tests.fixtures import signed_in_client


def _page_url(world, connection) -> str:
    return f"/restaurants/{world.restaurants[0].id}/connections/{connection.id}/"


def test_a_new_webhook_connection_lands_on_its_page_with_examples_carrying_url_and_secret(alpha):
    client = signed_in_client(alpha, "owner")
    response = client.post(
        f"/restaurants/{alpha.restaurants[0].id}/connections/",
        {"kind": "webhook", "name": "Bar till", "poll_interval_minutes": 60},
    )
    connection = PosConnection.objects.get(name="Bar till")
    assert response.status_code == 302
    assert response["Location"] == _page_url(alpha, connection)
    first = client.get(response["Location"]).content.decode()
    again = client.get(response["Location"]).content.decode()
    url = f"http://{alpha.host}/api/v1/pos/webhooks/{connection.id}"
    secret = first.split('data-testid="signing-secret">')[1].split("<")[0]
    curl = first.split('data-testid="example-curl">')[1].split("</code>")[0]
    python = first.split('data-testid="example-python">')[1].split("</code>")[0]
    assert secret.startswith("whsec_")
    assert url in curl and secret in curl
    assert url in python and secret in python
    assert secret not in again
    assert url in again


def test_the_live_view_shows_a_test_check_with_its_points(alpha):
    connection = pos_connection(alpha, alpha.restaurants[0])
    with committed_effects():
        sent = send_test_check(actor=alpha.user("owner"), pos_connection=connection)
    partial = signed_in_client(alpha, "manager").get(_page_url(alpha, connection) + "checks/")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert 'hx-trigger="every 3s"' in html
    assert sent.external_id in html
    assert 'data-testid="test-mark"' in html
    assert 'data-testid="check-points">+' in html


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 200), ("cashier", 403)])
def test_the_connection_page_by_role(alpha, role, status):
    connection = pos_connection(alpha, alpha.restaurants[0])
    assert signed_in_client(alpha, role).get(_page_url(alpha, connection)).status_code == status


def test_a_manager_cannot_open_a_connection_of_another_restaurant(alpha):
    from pos.services import create_connection

    connection, _secrets = create_connection(actor=alpha.user("owner"), restaurant=alpha.restaurants[1], kind="webhook")
    url = f"/restaurants/{alpha.restaurants[1].id}/connections/{connection.id}/"
    assert signed_in_client(alpha, "manager").get(url).status_code == 404
