"""A pushed check is accepted only with a valid HMAC signature inside the replay window; refusals are logged."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from pos.models import PosConnection, Receipt, RejectedAttempt
from pos.services import rotate_signing_secret, update_connection
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from pos.tests.conftest import check_payload


def test_correctly_signed_check_is_acknowledged(webhook):
    response = webhook.post(check_payload("S-1"))
    assert response.status_code == 202
    assert Receipt.objects.filter(external_id="S-1").exists()


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "signature_missing"),
        ({TIMESTAMP_HEADER: "1"}, "signature_missing"),
        ({SIGNATURE_HEADER: "v1=abc"}, "signature_missing"),
        ({TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "v1=abc"}, "timestamp_invalid"),
    ],
)
def test_unsigned_check_is_refused_with_401(webhook, headers, code):
    response = webhook.post(check_payload("S-2"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert not Receipt.objects.exists()


def test_signature_made_with_another_secret_is_refused(webhook):
    response = webhook.post(check_payload("S-3"), secret="whsec_not-the-right-one")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"
    assert not Receipt.objects.exists()


def test_body_changed_after_signing_is_refused(webhook):
    payload = check_payload("S-4")
    stamp = str(int(time.time()))
    import json

    from pos.signatures import signature_header_for

    signed_body = json.dumps(payload).encode()
    tampered = signed_body.replace(b"1000.00", b"9000.00")
    response = webhook.client.post(
        webhook.url,
        data=tampered,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature_header_for(webhook.secret, stamp, signed_body)},
    )
    assert response.status_code == 401
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_timestamp_outside_five_minutes_is_refused_as_stale(webhook, offset):
    response = webhook.post(check_payload("S-5"), timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "timestamp_stale"


def test_timestamp_within_five_minutes_is_accepted(webhook):
    assert webhook.post(check_payload("S-6"), timestamp=int(time.time()) - 290).status_code == 202


def test_unknown_connection_is_404_in_the_uniform_format(webhook):
    webhook.connection = PosConnection(pk=987654)
    response = webhook.post(check_payload("S-7"))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "connection_not_found", "message": response.json()["error"]["message"], "fields": {}}
    }
    attempt = RejectedAttempt.objects.get()
    assert (attempt.connection_id, attempt.connection_ref, attempt.http_status) == (None, "987654", 404)


def test_refused_attempt_is_logged_without_the_secret_or_signature(webhook):
    response = webhook.post(check_payload("S-8"), secret="whsec_wrong")
    assert response.status_code == 401
    attempt = RejectedAttempt.objects.get()
    assert attempt.connection_id == webhook.connection.pk
    assert attempt.reason == "signature_invalid"
    assert attempt.http_status == 401
    assert attempt.body_size > 0 and len(attempt.body_sha256) == 64
    stored = " ".join(str(value) for value in RejectedAttempt.objects.values().get().values())
    assert webhook.secret not in stored
    assert "whsec_wrong" not in stored


def test_after_rotation_old_and_new_secrets_both_work_during_the_grace_period(webhook, alpha):
    old_secret = webhook.secret
    _connection, new_secret = rotate_signing_secret(actor=alpha.user("owner"), pos_connection=webhook.connection)
    assert new_secret != old_secret
    assert webhook.post(check_payload("R-old"), secret=old_secret).status_code == 202
    assert webhook.post(check_payload("R-new"), secret=new_secret).status_code == 202


def test_a_sender_may_sign_with_both_secrets_while_switching(webhook, alpha):
    _connection, new_secret = rotate_signing_secret(actor=alpha.user("owner"), pos_connection=webhook.connection)
    import json

    from pos.signatures import signature_for

    body = json.dumps(check_payload("R-both")).encode()
    stamp = str(int(time.time()))
    header = f"v1={signature_for('whsec_unknown', stamp, body)},v1={signature_for(new_secret, stamp, body)}"
    response = webhook.post(body, headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: header})
    assert response.status_code == 202


def test_after_the_grace_period_the_old_secret_is_refused(webhook, alpha):
    old_secret = webhook.secret
    _connection, new_secret = rotate_signing_secret(actor=alpha.user("owner"), pos_connection=webhook.connection)
    PosConnection.objects.filter(pk=webhook.connection.pk).update(
        previous_secret_valid_until=timezone.now() - timedelta(seconds=1)
    )
    from pos.selectors import forget_inbound_auth

    forget_inbound_auth(webhook.connection.pk)
    refused = webhook.post(check_payload("G-old"), secret=old_secret)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "signature_invalid"
    assert webhook.post(check_payload("G-new"), secret=new_secret).status_code == 202


def test_paused_connection_refuses_checks(webhook, alpha):
    update_connection(actor=alpha.user("owner"), pos_connection=webhook.connection, changes={"status": "paused"})
    response = webhook.post(check_payload("P-1"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connection_paused"
    assert not Receipt.objects.exists()
