"""The process keeps one Bot per token and API root: calls (a whole broadcast) reuse its keep-alive connection;
another API root, a forked child or a closed client gets a new one."""

from __future__ import annotations

import os
import select
import signal
import threading
import time
import warnings
from typing import Any

from telegram_bot.client import call_bot, close_bots
from telegram_bot.services import create_broadcast
from telegram_bot.tests.conftest import TOKEN
from telegram_bot.tests.fake_telegram import FakeTelegram, start_fake_telegram


def get_me(bot: Any) -> Any:
    return bot.get_me()


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_calls_with_the_same_token_go_over_one_connection(telegram_api: FakeTelegram) -> None:
    call_bot(TOKEN, get_me)
    call_bot(TOKEN, lambda bot: bot.send_message(chat_id=501, text="one"))
    call_bot(TOKEN, lambda bot: bot.send_message(chat_id=502, text="two"))

    assert [call.method for call in telegram_api.calls] == ["getMe", "sendMessage", "sendMessage"]
    assert len(telegram_api.connections()) == 1


def test_a_broadcast_sends_every_message_over_one_connection(
    alpha: Any, alpha_bot: Any, telegram_api: FakeTelegram, linked_guest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for number in range(4):
        linked_guest(f"+7916555070{number}", 700 + number)

    with django_capture_on_commit_callbacks(execute=True):
        create_broadcast(actor=None, text="Tasting on Friday")

    assert sorted(int(call.params["chat_id"]) for call in telegram_api.sent()) == [700, 701, 702, 703]
    assert len(telegram_api.connections()) == 1


def test_threads_calling_at_once_all_get_their_answers(telegram_api: FakeTelegram) -> None:
    results: dict[int, Any] = {}

    def send(chat_id: int) -> None:
        results[chat_id] = call_bot(TOKEN, lambda bot: bot.send_message(chat_id=chat_id, text=f"hi {chat_id}"))

    threads = [threading.Thread(target=send, args=(chat_id,)) for chat_id in range(510, 518)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert {chat_id: message.text for chat_id, message in results.items()} == {
        chat_id: f"hi {chat_id}" for chat_id in range(510, 518)
    }


def test_another_api_root_gets_its_own_bot(telegram_api: FakeTelegram, settings: Any) -> None:
    other = start_fake_telegram()
    other.valid_tokens.add(TOKEN)
    try:
        call_bot(TOKEN, get_me)
        settings.TELEGRAM_API_BASE_URL = other.base_url
        call_bot(TOKEN, lambda bot: bot.send_message(chat_id=520, text="to the other root"))
        settings.TELEGRAM_API_BASE_URL = telegram_api.base_url
        call_bot(TOKEN, get_me)
    finally:
        other.server.shutdown()
        other.server.server_close()

    assert [(call.method, call.params.get("text")) for call in other.calls] == [("sendMessage", "to the other root")]
    assert [call.method for call in telegram_api.calls] == ["getMe", "getMe"]
    assert len(telegram_api.connections()) == 1


def test_a_forked_child_opens_its_own_connection_and_the_parent_keeps_its_own(telegram_api: FakeTelegram) -> None:
    call_bot(TOKEN, get_me)
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ warns about forking with threads
        pid = os.fork()
    if pid == 0:  # the child (as in Celery's prefork pool): no database, no pytest, leaves with os._exit
        outcome = b"no answer"
        try:
            message = call_bot(TOKEN, lambda bot: bot.send_message(chat_id=530, text="from the child"))
            outcome = message.text.encode()
        except BaseException as error:
            outcome = repr(error).encode()
        finally:
            os.write(write_end, outcome)
            os._exit(0)
    os.close(write_end)
    answered, _, _ = select.select([read_end], [], [], 15)
    if not answered:  # the child waited on the parent's loop, which does not run in it
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    outcome = os.read(read_end, 1000) if answered else b"the child hung"
    os.close(read_end)
    call_bot(TOKEN, get_me)

    assert outcome == b"from the child"
    parent_connections = {call.connection for call in telegram_api.sent("getMe")}
    child_connections = {call.connection for call in telegram_api.sent("sendMessage")}
    assert len(parent_connections) == 1
    assert len(child_connections) == 1
    assert parent_connections != child_connections


def test_closing_the_client_hangs_up_and_the_next_call_connects_again(telegram_api: FakeTelegram) -> None:
    call_bot(TOKEN, get_me)
    [first] = telegram_api.connections()

    close_bots()  # what runs at interpreter exit

    assert wait_until(lambda: first in telegram_api.closed_connections)
    call_bot(TOKEN, get_me)
    assert len(telegram_api.connections()) == 2
