"""maxloyalty.group_commit: threads arriving while a write is in flight share the next write; each gets its own
result (or the write's error); a thread alone is written at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from maxloyalty.group_commit import GroupCommit


class RecordingWrite:
    """A write that answers item * 10, notes every call, and can hold the first call until released."""

    def __init__(self, *, hold_first: bool = False, fail_on: Callable[[Sequence[int]], bool] | None = None) -> None:
        self.calls: list[tuple[Hashable, list[int]]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.fail_on = fail_on

    def __call__(self, key: Hashable, items: Sequence[int]) -> list[int]:
        self.calls.append((key, list(items)))
        self.started.set()
        self.release.wait(10)
        if self.fail_on is not None and self.fail_on(items):
            raise ConnectionError("the database went away")
        return [item * 10 for item in items]


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_thread_alone_is_written_at_once_with_its_own_item():
    write = RecordingWrite()
    group_commit = GroupCommit(write)
    assert group_commit.submit("chain-a", 7) == 70
    assert group_commit.submit("chain-a", 8) == 80
    assert write.calls == [("chain-a", [7]), ("chain-a", [8])]
    assert (group_commit.writes, group_commit.items) == (2, 2)


def test_items_arriving_during_a_write_are_written_together_by_the_next_one():
    write = RecordingWrite(hold_first=True)
    group_commit = GroupCommit(write)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(group_commit.submit, "chain-a", 1)
        write.started.wait(5)
        later = [pool.submit(group_commit.submit, "chain-a", item) for item in (2, 3, 4, 5, 6)]
        _wait_until(lambda: group_commit.queued() == 5)
        write.release.set()
        assert first.result(5) == 10
        assert [future.result(5) for future in later] == [20, 30, 40, 50, 60]
    assert write.calls[0] == ("chain-a", [1])
    assert len(write.calls) == 2 and sorted(write.calls[1][1]) == [2, 3, 4, 5, 6]


def test_a_group_is_written_once_per_key():
    write = RecordingWrite(hold_first=True)
    group_commit = GroupCommit(write)
    with ThreadPoolExecutor(5) as pool:
        pool.submit(group_commit.submit, "chain-a", 1)
        write.started.wait(5)
        later = {
            item: pool.submit(group_commit.submit, key, item)
            for key, item in (("chain-a", 2), ("chain-b", 3), ("chain-a", 4))
        }
        _wait_until(lambda: group_commit.queued() == 3)
        write.release.set()
        assert {item: future.result(5) for item, future in later.items()} == {2: 20, 3: 30, 4: 40}
    grouped = {key: sorted(items) for key, items in write.calls[1:]}
    assert grouped == {"chain-a": [2, 4], "chain-b": [3]}
    assert len(write.calls) == 3


def test_a_failed_write_fails_each_of_its_items_and_the_next_write_goes_ahead():
    write = RecordingWrite(hold_first=True, fail_on=lambda items: 2 in items)
    group_commit = GroupCommit(write)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(group_commit.submit, "chain-a", 1)
        write.started.wait(5)
        failing = [pool.submit(group_commit.submit, "chain-a", item) for item in (2, 3)]
        _wait_until(lambda: group_commit.queued() == 2)
        write.release.set()
        assert first.result(5) == 10
        for future in failing:
            with pytest.raises(ConnectionError, match="went away"):
                future.result(5)
    assert group_commit.submit("chain-a", 4) == 40  # nobody is left holding the lead


def test_a_write_answering_the_wrong_number_of_results_fails_its_items():
    group_commit: GroupCommit[int, int] = GroupCommit(lambda key, items: [])
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        group_commit.submit("chain-a", 1)


def test_many_threads_each_get_their_own_result_and_writes_carry_several_items():
    def slow_write(key: Hashable, items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        time.sleep(0.002)  # a commit's round trip: the GIL is free meanwhile
        return [(thread, number) for thread, number in items]

    group_commit = GroupCommit(slow_write)

    def sender(thread: int) -> list[tuple[int, int]]:
        return [group_commit.submit("chain-a", (thread, number)) for number in range(50)]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(sender, range(16)))
    assert answers == [[(thread, number) for number in range(50)] for thread in range(16)]
    assert group_commit.items == 800
    assert group_commit.writes < 400  # at least two items per write on average
