"""The per-process client cache behind the providers: one client per key, the least recently used closed beyond the
limit, and a forked child (a Celery prefork worker) starting with none of its parent's clients."""

from __future__ import annotations

import os

from messaging.sms.providers.connections import ClientCache


class Client:
    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False


def test_a_key_gets_the_same_client_until_it_is_evicted() -> None:
    cache: ClientCache[Client] = ClientCache(close=lambda client: setattr(client, "closed", True), limit=2)

    first = cache.get("a", lambda: Client("a"))

    assert cache.get("a", lambda: Client("a again")) is first


def test_beyond_the_limit_the_least_recently_used_client_is_closed() -> None:
    cache: ClientCache[Client] = ClientCache(close=lambda client: setattr(client, "closed", True), limit=2)
    a = cache.get("a", lambda: Client("a"))
    b = cache.get("b", lambda: Client("b"))
    cache.get("a", lambda: Client("a again"))  # a is now more recent than b

    c = cache.get("c", lambda: Client("c"))

    assert (a.closed, b.closed, c.closed) == (False, True, False)
    assert cache.get("b", lambda: Client("b again")).name == "b again"


def test_a_forked_child_opens_its_own_clients_and_leaves_the_parents_open() -> None:
    cache: ClientCache[Client] = ClientCache(close=lambda client: setattr(client, "closed", True))
    parents = cache.get("a", lambda: Client("parent's"))
    read_end, write_end = os.pipe()

    child = os.fork()
    if child == 0:  # the child: report which client it got, and leave without pytest's teardown
        os.close(read_end)
        os.write(write_end, cache.get("a", lambda: Client("child's")).name.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        childs = pipe.read()
    os.waitpid(child, 0)

    assert childs == "child's"
    assert cache.get("a", lambda: Client("new")) is parents
    assert not parents.closed
