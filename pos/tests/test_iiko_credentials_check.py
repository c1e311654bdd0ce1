""" "Test the credentials" of an iiko connection asks iiko (a local fake server) which organisations they reach and
shows its answer in plain words: the organisations when accepted, the refusal when not."""

from __future__ import annotations

from pos.models import PosConnection
from pos.services import create_connection, update_connection
from tests.fixtures import signed_in_client


def _iiko(alpha, url: str, organization_id: str, api_login: str) -> PosConnection:
    connection, _issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=organization_id,
        api_base_url=url,
        credentials={"api_login": api_login},
    )
    return connection


def _test_credentials(alpha, connection: PosConnection) -> str:
    response = signed_in_client(alpha, "owner").post(
        f"/restaurants/{alpha.restaurants[0].id}/connections/{connection.id}/iiko-credentials/"
    )
    assert response.status_code == 200
    return response.content.decode().split('data-testid="iiko-answer">')[1].split("</div>")[0]


def test_accepted_credentials_show_the_organisations_iiko_found(alpha, iiko_server):
    url, state = iiko_server
    answer = _test_credentials(alpha, _iiko(alpha, url, state.organization_id, "good-login"))
    assert "accepted the credentials" in answer
    assert state.organization_name in answer
    assert state.organization_id in answer


def test_refused_credentials_say_so_in_plain_words(alpha, iiko_server):
    url, state = iiko_server
    answer = _test_credentials(alpha, _iiko(alpha, url, state.organization_id, "wrong-login"))
    assert "refused the API login" in answer
    assert state.organization_name not in answer


def test_a_changed_login_is_tested_with_a_fresh_token(alpha, iiko_server):
    url, state = iiko_server
    connection = _iiko(alpha, url, state.organization_id, "good-login")
    assert "accepted the credentials" in _test_credentials(alpha, connection)
    update_connection(
        actor=alpha.user("owner"), pos_connection=connection, changes={}, credentials={"api_login": "revoked"}
    )
    assert "refused the API login" in _test_credentials(alpha, connection)


def test_only_those_who_manage_the_pos_may_test_credentials(alpha, iiko_server):
    url, state = iiko_server
    connection = _iiko(alpha, url, state.organization_id, "good-login")
    response = signed_in_client(alpha, "manager").post(
        f"/restaurants/{alpha.restaurants[0].id}/connections/{connection.id}/iiko-credentials/"
    )
    assert response.status_code == 403
    assert not state.calls("/api/1/organizations")
