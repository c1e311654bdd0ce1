"""YooKassa's notifications are read through the one JSON reader: a body that is not JSON, or nests too deeply for
Python's parser, is a 400 in the uniform format, never a 500."""

import pytest

from billing.models import Payment
from billing.tests.conftest import post_yookassa

DEEP = b'{"object": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize("body", [DEEP, b'{"object": {"id": NaN}}', b"{"], ids=["too-deep", "nan", "truncated"])
def test_a_malformed_notification_is_400_and_changes_nothing(db, fake_yookassa, platform, body):
    response = post_yookassa(platform, body)

    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message"}
    assert not Payment.objects.exists()
