"""Pushes proved by our token (iiko's webhook, R-Keeper's notify) pass one verifier, pos.inbound.verified_token_push,
beside the signed webhook's: what is accepted and each refusal (in its order) are defined there, and both views
answer exactly what it raises, each refusal recorded as a RejectedAttempt."""

from __future__ import annotations

import json
import uuid

import pytest

from maxloyalty.errors import DomainError
from pos.inbound import verified_token_push
from pos.models import ConnectionStatus, PosKind, RejectedAttempt
from pos.services import create_connection, update_connection
from tests.fixtures import api_on

ORDER = str(uuid.uuid4()).upper()
BODIES = {
    PosKind.IIKO: json.dumps([{"eventType": "TableOrderUpdate", "eventInfo": {"id": ORDER}}]).encode(),
    PosKind.RKEEPER: f'<Event><ChangedOrder Guid="{ORDER}"/></Event>'.encode(),
}
MALFORMED = {PosKind.IIKO: b"<xml/>", PosKind.RKEEPER: b"{not xml"}
PATHS = {PosKind.IIKO: "/api/v1/pos/iiko/{id}/webhook", PosKind.RKEEPER: "/api/v1/pos/rkeeper/{id}/notify"}


@pytest.fixture(params=[PosKind.IIKO, PosKind.RKEEPER])
def pushed(request, alpha):
    """(connection, its token) of an iiko or an R-Keeper connection of alpha's first restaurant."""
    kind = request.param
    if kind == PosKind.IIKO:
        url, state = request.getfixturevalue("iiko_server")
        extra = {"external_organization_id": state.organization_id, "credentials": {"api_login": "good-login"}}
    else:
        url, state = request.getfixturevalue("rkeeper_server")
        extra = {
            "external_restaurant_code": "199990053",
            "credentials": {"username": state.username, "password": state.password},
        }
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind=kind, api_base_url=url, **extra
    )
    return pos_connection, issued.inbound_token


def _verify(pos_connection, *, token, body=None, kind=None, connection_id=None):
    kind = kind or pos_connection.kind
    return verified_token_push(
        connection_id=connection_id or pos_connection.pk,
        kind=kind,
        token=token,
        body=BODIES[kind] if body is None else body,
    )


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.status, refused.value.code


def _pause(alpha, pos_connection):
    update_connection(
        actor=alpha.user("owner"), pos_connection=pos_connection, changes={"status": ConnectionStatus.PAUSED}
    )


def test_the_right_token_gives_the_orders_the_push_names(pushed):
    pos_connection, token = pushed
    assert len(_verify(pos_connection, token=token)) == 1


def test_each_refusal_of_the_verifier_in_its_order(alpha, pushed):
    pos_connection, token = pushed
    other_kind = PosKind.RKEEPER if pos_connection.kind == PosKind.IIKO else PosKind.IIKO
    assert _refusal(lambda: _verify(pos_connection, token=token, connection_id=999_999)) == (
        404,
        "connection_not_found",
    )
    assert _refusal(lambda: _verify(pos_connection, token=token, kind=other_kind)) == (404, "connection_not_found")
    assert _refusal(lambda: _verify(pos_connection, token=None)) == (401, "token_invalid")
    assert _refusal(lambda: _verify(pos_connection, token=token + "x")) == (401, "token_invalid")
    assert _refusal(lambda: _verify(pos_connection, token=token, body=MALFORMED[pos_connection.kind])) == (
        400,
        "malformed_notification",
    )
    _pause(alpha, pos_connection)
    assert _refusal(lambda: _verify(pos_connection, token=token + "x")) == (401, "token_invalid")  # token first
    assert _refusal(lambda: _verify(pos_connection, token=token)) == (403, "connection_paused")


@pytest.mark.parametrize("case", ["wrong_token", "paused", "malformed", "unknown", "other_kind"])
def test_both_views_answer_what_the_verifier_raises_and_record_it(alpha, pushed, case):
    pos_connection, token = pushed
    kind, connection_id, body, presented = pos_connection.kind, pos_connection.pk, None, token
    if case == "wrong_token":
        presented = "wrong-token"
    elif case == "paused":
        _pause(alpha, pos_connection)
    elif case == "malformed":
        body = MALFORMED[kind]
    elif case == "unknown":
        connection_id = 999_999
    else:
        kind = PosKind.RKEEPER if kind == PosKind.IIKO else PosKind.IIKO
    expected = _refusal(
        lambda: verified_token_push(
            connection_id=connection_id, kind=kind, token=presented, body=BODIES[kind] if body is None else body
        )
    )
    response = api_on(alpha.host).post(
        PATHS[kind].format(id=connection_id),
        data=BODIES[kind] if body is None else body,
        content_type="application/json" if kind == PosKind.IIKO else "application/xml",
        headers={"Authorization": presented},
    )
    assert (response.status_code, response.json()["error"]["code"]) == expected
    attempt = RejectedAttempt.objects.get()
    assert (attempt.reason, attempt.http_status) == (expected[1], expected[0])
    assert attempt.connection_id == (None if case == "unknown" else pos_connection.pk)


def test_a_view_accepts_the_right_token(alpha, pushed, django_capture_on_commit_callbacks):
    pos_connection, token = pushed
    kind = pos_connection.kind
    with django_capture_on_commit_callbacks(execute=False):
        response = api_on(alpha.host).post(
            PATHS[kind].format(id=pos_connection.pk),
            data=BODIES[kind],
            content_type="application/json" if kind == PosKind.IIKO else "application/xml",
            headers={"Authorization": token},
        )
    assert (response.status_code, response.json()) == (200, {"accepted": 1})
    assert not RejectedAttempt.objects.exists()
