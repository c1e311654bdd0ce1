"""The WSGI intake counts every POS push (webhooks, iiko, R-Keeper) into the deployment's POS traffic in Redis,
read as pushes per second by what yields to the tills (messaging.pacing); other requests are not counted."""

from __future__ import annotations

import time

from maxloyalty.pos_traffic import BUCKET_SECONDS, pos_pushes_per_second
from tests.till_traffic import push_through_the_door, till_rush, wait_for_rate


def _push_for_a_second(path: str) -> None:
    """Pushes for a little over a second, then one more a quarter later (a process hands a quarter's count over
    when its next push comes)."""
    began = time.monotonic()
    while time.monotonic() - began < 1.1:
        push_through_the_door(path)
        time.sleep(0.01)
    time.sleep(BUCKET_SECONDS)
    push_through_the_door(path)


def test_pos_pushes_are_counted_as_pushes_per_second() -> None:
    with till_rush(per_second=100):
        rate = pos_pushes_per_second()

    assert 25 <= rate <= 150


def test_other_requests_are_not_counted() -> None:
    wait_for_rate(lambda rate: rate == 0)
    _push_for_a_second("/api/v1/guests/")

    assert pos_pushes_per_second() == 0


def test_iiko_pushes_count_as_till_traffic() -> None:
    wait_for_rate(lambda rate: rate == 0)
    _push_for_a_second("/api/v1/pos/iiko/1/")

    assert pos_pushes_per_second() > 0
