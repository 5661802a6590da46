"""Calls gathered into batches (`tools.video.batching`), with plain functions for the model."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.errors import InvalidInputError
from tools.video.batching import Coalescer


def _recording(calls: list[tuple[str, list[int]]]):
    """A `run` that records each call and answers ten times each item."""

    def run(key: str, items: list[int]) -> list[int]:
        calls.append((key, list(items)))
        return [10 * item for item in items]

    return run


def _together(coalescer: Coalescer, requests: list[tuple[str, int]]) -> list:
    """Each (key, item) submitted from its own thread at the same moment; their results or
    errors, in order."""
    start = threading.Barrier(len(requests))

    def submit(request: tuple[str, int]):
        start.wait()
        try:
            return coalescer.submit(*request)
        except Exception as error:  # what each caller got is what the tests look at
            return error

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(submit, requests))


def test_calls_of_one_key_that_arrive_together_run_once_each_with_its_result():
    calls = []
    coalescer = Coalescer(_recording(calls), size=2, wait=30.0)  # the batch fills first
    t0 = time.monotonic()
    assert _together(coalescer, [("a", 1), ("a", 2)]) == [10, 20]
    assert time.monotonic() - t0 < 10, "a full batch does not wait"
    assert len(calls) == 1 and sorted(calls[0][1]) == [1, 2]


def test_a_batch_takes_at_most_size_items():
    calls = []
    coalescer = Coalescer(_recording(calls), size=2, wait=0.5)
    assert _together(coalescer, [("a", 1), ("a", 2), ("a", 3)]) == [10, 20, 30]
    assert sorted(len(items) for _, items in calls) == [1, 2]


def test_different_keys_never_share_a_call():
    calls = []
    coalescer = Coalescer(_recording(calls), size=2, wait=0.2)
    assert _together(coalescer, [("a", 1), ("b", 2)]) == [10, 20]
    assert sorted(calls) == [("a", [1]), ("b", [2])]


def test_a_lone_call_waits_no_longer_than_the_wait():
    calls = []
    t0 = time.monotonic()
    assert Coalescer(_recording(calls), size=4, wait=0.1).submit("a", 1) == 10
    assert time.monotonic() - t0 < 2 and calls == [("a", [1])]
    t0 = time.monotonic()
    assert Coalescer(_recording(calls), size=1, wait=60.0).submit("a", 2) == 20
    assert time.monotonic() - t0 < 2, "a batch of one does not wait at all"


def test_an_error_reaches_every_caller_of_the_batch():
    calls = []

    def run(key: str, items: list[int]) -> list[int]:
        calls.append(items)
        raise RuntimeError("out of memory")

    results = _together(Coalescer(run, size=2, wait=30.0), [("a", 1), ("a", 2)])
    assert len(calls) == 1
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    assert all(str(r) == "out of memory" for r in results)


def test_a_result_per_item_is_checked():
    coalescer = Coalescer(lambda key, items: [], size=1, wait=0.0)
    with pytest.raises(ValueError):
        coalescer.submit("a", 1)
    with pytest.raises(InvalidInputError, match="batch size 0"):
        Coalescer(lambda key, items: items, size=0, wait=0.0)


def test_calls_that_come_while_a_batch_runs_gather_into_the_next():
    calls, release = [], threading.Event()

    def run(key: str, items: list[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(10)  # the device is busy with the first batch
        return items

    coalescer = Coalescer(run, size=2, wait=0.05)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(coalescer.submit, "a", 1)
        while not calls:
            time.sleep(0.01)
        second = pool.submit(coalescer.submit, "a", 2)
        time.sleep(0.3)  # longer than the wait: the second waits for the device, not alone
        third = pool.submit(coalescer.submit, "a", 3)
        time.sleep(0.1)
        release.set()
        assert (first.result(), second.result(), third.result()) == (1, 2, 3)
    assert calls == [[1], [2, 3]]
