"""Calls that arrive together, run as one: several scenes in one video pipeline call.

`Coalescer.submit(key, item)` blocks its thread until `item`'s result is back. The first caller
of a key opens a batch and waits for more callers of the same key (at most `size` items in all;
a full batch starts at once), then runs `run(key, items)` once, in its own thread, for the whole
batch. It waits `wait` seconds, and longer while another batch runs: `run` is for one device,
where a batch could not start before the one running ends, so the callers that come meanwhile
join it (with more callers than `size`, batches stay full). Each caller gets the result at its
item's position; an error raised by `run` reaches every caller of that batch. Items with
different keys never share a batch; a lone caller waits `wait` seconds at most beyond the end
of the batch running (none at all when `size` is 1).
"""

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tools.errors import InvalidInputError

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")  # an item
R = TypeVar("R")  # its result


@dataclass
class Pending(Generic[T, R]):
    """One caller's item, and what `run` gave back for it."""

    item: T
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None


class Coalescer(Generic[K, T, R]):
    """Batches of up to `size` items of one key, gathered for up to `wait` seconds."""

    def __init__(self, run: Callable[[K, list[T]], list[R]], *, size: int, wait: float) -> None:
        if size < 1:
            raise InvalidInputError(f"batch size {size}: expected 1 or more")
        self.run = run
        self.size = size
        self.wait = wait
        self._open: dict[K, list[Pending[T, R]]] = {}  # batches still taking items
        self._running = 0  # batches being run
        self._changed = threading.Condition()

    def submit(self, key: K, item: T) -> R:
        """`item`'s result, from one `run` call shared with the items of `key` that came
        meanwhile; `run`'s error, if it raised."""
        entry: Pending[T, R] = Pending(item)
        with self._changed:
            batch = self._open.get(key)
            leads = batch is None
            if batch is None:
                batch = [entry]
                if self.size > 1:
                    self._open[key] = batch
                    self._gather(key, batch)
            else:
                batch.append(entry)
                if len(batch) >= self.size:
                    del self._open[key]
                    self._changed.notify_all()
        if leads:
            self._execute(key, batch)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]

    def _gather(self, key: K, batch: list[Pending[T, R]]) -> None:
        """Wait (holding the condition's lock) until `batch` is full, or `wait` is over and no
        batch runs; close it."""
        deadline = time.monotonic() + self.wait
        while self._open.get(key) is batch:
            left = deadline - time.monotonic()
            if left <= 0 and not self._running:
                break
            self._changed.wait(left if left > 0 else None)
        if self._open.get(key) is batch:
            del self._open[key]

    def _execute(self, key: K, batch: list[Pending[T, R]]) -> None:
        """Run `batch` and hand each caller its result, or everyone the error."""
        with self._changed:
            self._running += 1
        try:
            results = self.run(key, [entry.item for entry in batch])
            for entry, result in zip(batch, results, strict=True):
                entry.result = result
        except BaseException as error:  # every caller must wake up, whatever went wrong
            for entry in batch:
                entry.error = error
        finally:
            for entry in batch:
                entry.done.set()
            with self._changed:
                self._running -= 1
                self._changed.notify_all()
