"""A long broadcast never delays the points of checks: POS and messaging run on their own queues and workers.

Real processes as deployed: gunicorn takes signed POS webhooks; a POS worker consumes only the POS queue and a
messaging worker only the messaging queue (maxloyalty.task_routes), both named from this run's CELERY_QUEUE. A
broadcast to a hundred guests goes to a local fake Telegram at a slowed rate (TELEGRAM_MESSAGES_PER_SECOND), so it
keeps the messaging worker busy for longer than the test; meanwhile a burst of checks arrives. Every check's points must be on its guest's
balance within SETTLE_SECONDS while the broadcast is still sending, its backlog still waiting in Redis.

The control (the commit adding this test): with every task on one queue, as before per-workload queues, the same
burst waited behind the broadcast's sends: 30 s, against under a second here, on the same (loaded) machine.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from maxloyalty.celery import app
from maxloyalty.task_routes import MESSAGING, POS, queue_names
from telegram_bot.tests.fake_telegram import FakeTelegram, start_fake_telegram
from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "queues"
TOKEN = "700100:AAH-queues-test-token"
RECIPIENTS = 100  # guests in Telegram: at MESSAGES_PER_SECOND the broadcast outlasts the test
MESSAGES_PER_SECOND = 3
CHECKS = 40
# A burst of CHECKS settles in about a second (tests/test_webhook_end_to_end.py sends 260); the bound leaves room for
# a loaded machine. With one shared queue the burst waits behind the broadcast's sends: about 30 s.
SETTLE_SECONDS = 12.0


@dataclass
class Stack:
    chain: WebhookChain
    base_url: str
    queue: str
    telegram: FakeTelegram


def _link_guests_to_telegram(chain: WebhookChain, telegram: FakeTelegram) -> None:
    """The chain's bot (connected through the fake Bot API) and every guest in a chat with it, consenting."""
    from accounts.models import User
    from guests.models import Guest
    from telegram_bot.models import TelegramChat
    from telegram_bot.services import connect_bot

    with schema_context(chain.schema_name):
        connect_bot(token=TOKEN, actor=User.objects.get(pk=chain.owner_id))
        guests = list(Guest.objects.order_by("pk"))
        TelegramChat.objects.bulk_create(
            TelegramChat(chat_id=900_000 + index, user_id=900_000 + index, guest=guest)
            for index, guest in enumerate(guests)
        )
        Guest.objects.update(telegram_consent_at=timezone.now())
    connection.set_schema_to_public()
    telegram.calls.clear()


@pytest.fixture
def stack(django_db_setup: None, django_db_blocker: pytest.FixtureRequest, settings: Any) -> Iterator[Stack]:
    tag = f"queues{os.getpid()}"
    queue = f"q-{tag}"
    telegram = start_fake_telegram()
    telegram.valid_tokens.add(TOKEN)
    settings.TELEGRAM_API_BASE_URL = telegram.base_url  # connect_bot runs here, in the test process
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=RECIPIENTS)
        _link_guests_to_telegram(chain, telegram)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
    env.update(TELEGRAM_API_BASE_URL=telegram.base_url, TELEGRAM_MESSAGES_PER_SECOND=str(MESSAGES_PER_SECOND))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    pos = celery_worker_command(queue=queue, concurrency=2, name=f"{tag}-pos", workloads=(POS,))
    messaging = celery_worker_command(queue=queue, concurrency=2, name=f"{tag}-messaging", workloads=(MESSAGING,))
    try:
        with (
            running(gunicorn_command(port=port, workers=1, threads=4), env=env, log=LOGS / "gunicorn.log"),
            running(pos, env=env, log=LOGS / "worker-pos.log"),
            running(messaging, env=env, log=LOGS / "worker-messaging.log"),
        ):
            wait_until_serving(base_url, chain.host)
            try:
                yield Stack(chain=chain, base_url=base_url, queue=queue, telegram=telegram)
            finally:
                with django_db_blocker.unblock():  # type: ignore[attr-defined]
                    _cancel_broadcasts(chain)  # the messaging worker's tasks in flight end at once
    finally:
        telegram.server.shutdown()
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)
            delete_redis_keys(tag)
            purge_queue(queue)


def test_the_broadcast_outlasts_the_bound_and_runs_on_another_queue(db: None) -> None:
    """The premises of the test below (and, through `db`, pytest-django sets up the test database when this module
    runs alone): the broadcast lasts well past SETTLE_SECONDS, and its sends do not share the checks' queue."""
    from tests.test_task_routes import routed_queue

    assert RECIPIENTS / MESSAGES_PER_SECOND > 2 * SETTLE_SECONDS
    assert routed_queue("telegram_bot.tasks.send_delivery") != routed_queue("pos.tasks.drain_receipts")


def _cancel_broadcasts(chain: WebhookChain) -> None:
    from telegram_bot.models import Broadcast
    from telegram_bot.services.broadcasts import cancel_broadcast

    with schema_context(chain.schema_name):
        for broadcast in Broadcast.objects.filter(status="sending"):
            cancel_broadcast(broadcast=broadcast, actor=None)
    connection.set_schema_to_public()


def _post_check(client: httpx.Client, chain: WebhookChain, payload: dict[str, Any]) -> int:
    body, headers = signed_request(chain.secret, payload)
    response = client.post(
        f"/api/v1/pos/webhooks/{chain.connection_id}", content=body, headers={**headers, "Host": chain.host}
    )
    return response.status_code


def _unsettled(chain: WebhookChain, phones: list[str]) -> list[str]:
    """The phones among `phones` whose check is not processed or whose balance lacks its points."""
    from guests.models import Guest
    from loyalty.models import PointsAccount
    from pos.models import Receipt

    with schema_context(chain.schema_name):
        guests = dict(Guest.objects.filter(phone__in=phones).values_list("phone", "pk"))
        earned = dict(
            Receipt.objects.filter(guest_id__in=guests.values(), status="processed")
            .values("guest_id")
            .annotate(points=Sum("points_earned"))
            .values_list("guest_id", "points")
        )
        balances = dict(PointsAccount.objects.filter(guest_id__in=guests.values()).values_list("guest_id", "available"))
    connection.set_schema_to_public()
    unsettled = []
    for phone in phones:
        guest_id = guests.get(phone)
        if guest_id is None or not earned.get(guest_id) or balances.get(guest_id) != earned[guest_id]:
            unsettled.append(phone)
    return unsettled


def _wait(condition: Any, *, within: float, what: str) -> float:
    """Seconds until `condition()` is true; AssertionError after `within`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within}s")
        time.sleep(0.1)
    return time.monotonic() - started


def _start_broadcast(chain: WebhookChain, queue: str) -> int:
    """A broadcast to every guest, started on the messaging queue as beat's Telegram tick starts a due one."""
    from telegram_bot.services import create_broadcast

    with schema_context(chain.schema_name):
        send_at = timezone.now() + datetime.timedelta(milliseconds=200)  # due soon: not started by this process
        broadcast = create_broadcast(actor=None, send_at=send_at, text="Autumn menu: double points all week")
        time.sleep(0.3)
        app.send_task(
            "telegram_bot.tasks.start_broadcast",
            kwargs={"broadcast_id": broadcast.pk},
            queue=queue_names(queue, (MESSAGING,))[0],
        )
    connection.set_schema_to_public()
    return broadcast.pk


def _broadcast_status(chain: WebhookChain, broadcast_id: int) -> tuple[str, int]:
    from telegram_bot.models import Broadcast

    with schema_context(chain.schema_name):
        broadcast = Broadcast.objects.get(pk=broadcast_id)
    connection.set_schema_to_public()
    return broadcast.status, broadcast.sent


def _waiting_in(queue: str) -> int:
    with app.connection_for_write() as broker:
        return int(broker.default_channel.client.llen(queue))


@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_a_burst_of_checks_settles_while_a_long_broadcast_is_sending(
    stack: Stack, django_db_blocker: pytest.FixtureRequest
) -> None:
    chain, phones = stack.chain, stack.chain.guest_phones
    messaging_queue = queue_names(stack.queue, (MESSAGING,))[0]
    with django_db_blocker.unblock(), httpx.Client(base_url=stack.base_url, timeout=30) as client:  # type: ignore[attr-defined]
        # The POS worker is up: a first check settles.
        assert _post_check(client, chain, sample_check("Q-WARM", phone=phones[-1])) == 202
        _wait(lambda: not _unsettled(chain, phones[-1:]), within=60, what="the first check")
        # The broadcast is sending: the messaging worker is busy with it, its backlog waits in Redis.
        broadcast_id = _start_broadcast(chain, stack.queue)
        _wait(lambda: len(stack.telegram.sent()) >= 5, within=60, what="the broadcast's first messages")

        burst = phones[:CHECKS]
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(
                    lambda number: _post_check(client, chain, sample_check(f"Q-{number:03d}", phone=burst[number])),
                    range(CHECKS),
                )
            )
        assert set(statuses) == {202}
        _wait(lambda: not _unsettled(chain, burst), within=60, what="the burst's points")
        settled_in = time.monotonic() - started
        status, sent = _broadcast_status(chain, broadcast_id)
        backlog = _waiting_in(messaging_queue)

    assert settled_in < SETTLE_SECONDS, f"{CHECKS} checks settled in {settled_in:.1f}s during the broadcast"
    assert (status, sent < RECIPIENTS) == ("sending", True)
    assert backlog > 0  # the broadcast's sends still wait: the checks did not wait for them
