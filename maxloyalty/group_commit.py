"""Group commit: threads of one process that each need a small write at the same moment share one call of the
write (one statement, one commit), each getting its own result back.

The first thread to arrive while no write is under way leads: it writes every item waiting at that moment and hands
each thread its result; threads arriving meanwhile queue for the next write. Nobody waits on a timer, and a failed
write fails every item in it. Items are grouped by a key (e.g. the tenant's schema). Used by pos.webhook_intake;
docs/hot-path.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Waiting(Generic[Item, Result]):
    key: Hashable
    item: Item
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # woken to lead the next write, not with a result
    result: Result | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """`write(key, items)` returns one result per item, in order; it runs in the leading thread."""

    def __init__(self, write: Callable[[Hashable, Sequence[Item]], Sequence[Result]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Waiting[Item, Result]] = []
        self._writing = False
        self.writes = 0  # writes made and items they carried (items / writes: the mean group size)
        self.items = 0

    def submit(self, key: Hashable, item: Item) -> Result:
        waiting: _Waiting[Item, Result] = _Waiting(key, item)
        with self._lock:
            self._queue.append(waiting)
            leads = not self._writing
            self._writing = True
        if not leads:
            waiting.done.wait()
            if waiting.leads:  # the previous leader handed over: write everything queued, this item among it
                waiting.done.clear()
                leads = True
        if leads:
            self._lead()
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]  # set by the write that finished without error

    def queued(self) -> int:
        """Items waiting for the next write (not counting the one in flight)."""
        with self._lock:
            return len(self._queue)

    def _lead(self) -> None:
        with self._lock:
            group, self._queue = self._queue, []
        try:
            for key in dict.fromkeys(waiting.key for waiting in group):
                self._write_group([waiting for waiting in group if waiting.key == key])
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].done.set()
                else:
                    self._writing = False

    def _write_group(self, group: list[_Waiting[Item, Result]]) -> None:
        try:
            results = list(self._write(group[0].key, [waiting.item for waiting in group]))
            if len(results) != len(group):
                raise RuntimeError(f"the write returned {len(results)} results for {len(group)} items")
        except BaseException as error:  # every caller of the group learns why its item was not written
            for waiting in group:
                waiting.error = error
        else:
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result
        finally:
            self.writes += 1
            self.items += len(group)
            for waiting in group:
                waiting.done.set()
