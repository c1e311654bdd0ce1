"""One reader of the Authorization header: the plan's "no API access" gate sees exactly the tokens the API accepts."""

from __future__ import annotations

import pytest

from accounts.tokens import refresh_token_for
from billing.tests.conftest import put_on_plan
from maxloyalty.authorization import bearer_token, parse_authorization
from pos.models import RejectedAttempt
from pos.services import create_connection
from tests.fixtures import api_on


def _access_token(world, role="owner"):
    return str(refresh_token_for(world.user(role), world.chain.id).access_token)


def _get_guests(world, authorization):
    return api_on(world.host).get("/api/v1/guests", HTTP_AUTHORIZATION=authorization)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc.def", ("bearer", "abc.def")),
        ("bearer abc", ("bearer", "abc")),
        ("BEARER\tabc", ("bearer", "abc")),
        ("  Bearer   abc  ", ("bearer", "abc")),
        (b"Bearer abc", ("bearer", "abc")),
        ("Basic dXNlcjpwYXNz", ("basic", "dXNlcjpwYXNz")),
    ],
)
def test_well_formed_headers_give_scheme_and_credentials(header, expected):
    parsed = parse_authorization(header)
    assert parsed is not None
    assert (parsed.scheme, parsed.credentials) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer a b", "Bearer тест", "Bearer a\x00b", "Bearer\na", "Bearer\xa0abc"],
)
def test_malformed_headers_carry_no_credentials(header):
    assert parse_authorization(header) is None
    assert bearer_token(header) is None


def test_a_lone_token_counts_only_where_bare_tokens_are_allowed():
    assert bearer_token("tok-123") is None
    assert bearer_token("tok-123", bare_allowed=True) == "tok-123"
    assert bearer_token("Basic tok-123", bare_allowed=True) is None


@pytest.mark.parametrize("template", ["Bearer {}", "Bearer\t{}", "bearer {}", "BEARER  {}"])
def test_every_spelling_the_api_accepts_is_refused_on_a_plan_without_api_access(alpha, template):
    token = _access_token(alpha)
    put_on_plan(alpha, "start")
    refused = _get_guests(alpha, template.format(token))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "plan_limit"


@pytest.mark.parametrize("template", ["Bearer {}", "Bearer\t{}", "bearer {}"])
def test_the_same_spellings_work_on_a_plan_with_api_access(alpha, template):
    token = _access_token(alpha)
    put_on_plan(alpha, "business")
    assert _get_guests(alpha, template.format(token)).status_code == 200


@pytest.mark.parametrize("template", ["Bearer {} extra", "Bearer\n{}", "Token {}", "Bearer {}\u00e9"])
def test_a_header_the_gate_does_not_read_as_a_token_does_not_authenticate_either(alpha, template):
    token = _access_token(alpha)
    put_on_plan(alpha, "business")
    response = _get_guests(alpha, template.format(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.fixture
def iiko_connection(alpha):
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id="org-1",
        api_base_url="http://127.0.0.1:9/",
        credentials={"api_login": "login"},
    )
    return pos_connection, issued.inbound_token


@pytest.mark.parametrize("template", ["Bearer {}", "bearer\t{}", "{}"])
def test_pos_token_is_read_by_the_same_parser(alpha, iiko_connection, template):
    pos_connection, token = iiko_connection
    response = api_on(alpha.host).post(
        f"/api/v1/pos/iiko/{pos_connection.pk}/webhook",
        data=b"[]",
        content_type="application/json",
        HTTP_AUTHORIZATION=template.format(token),
    )
    assert response.status_code == 200
    assert not RejectedAttempt.objects.exists()


@pytest.mark.parametrize("template", ["Basic {}", "Bearer {} {}", "Bearer {}\u00e9"])
def test_pos_token_in_another_scheme_or_malformed_is_refused(alpha, iiko_connection, template):
    pos_connection, token = iiko_connection
    response = api_on(alpha.host).post(
        f"/api/v1/pos/iiko/{pos_connection.pk}/webhook",
        data=b"[]",
        content_type="application/json",
        HTTP_AUTHORIZATION=template.format(token, token),
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"
