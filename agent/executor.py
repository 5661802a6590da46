"""The one executor that runs jobs off the caller's process: a local process pool, or Ray.

Batch mode (and any other front end, such as an HTTP API) submits a job, a picklable
module-level function with its arguments, and gets a `concurrent.futures.Future` back, whatever
runs it:

- `LocalExecutor`: a `ProcessPoolExecutor` of `workers` processes on this machine. Workers are
  reused, so a model (or librosa's compiled code) loads once per process, not once per song.
- `RayExecutor`: one Ray task per job, on a local Ray instance or on the cluster at `address`.
  A job task asks for one unit of the custom resource `sound2sight_job` and for no CPU or GPU:
  its heavy part, the clip renders, are Ray tasks of their own (`ray:<video spec>`,
  tools/video/ray_video.py) that ask for a CPU, or a GPU where the cluster has them. (A task that
  waits for others from a thread, as the graph's nodes do, keeps what it reserved: job tasks
  holding every CPU would wait forever for clip tasks that cannot start.) So Ray itself queues
  the jobs and runs as many at once as the nodes offer `sound2sight_job`: a local instance
  offers `workers`; a cluster's nodes say how many each takes (`ray start …
  --resources='{"sound2sight_job": 4}'`).

Both give a job whose worker process died (killed for memory, a crash in native code) one more
try in a fresh process; a job that raises is not retried: its exception is the future's.
"""

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tools.errors import BackendUnavailableError, InvalidInputError

EXECUTORS = ("local", "ray")
CRASH_RETRIES = 1  # extra tries for a job whose worker process died
JOB_RESOURCE = "sound2sight_job"  # Ray custom resource: one per job running at once
RAY_EXTRA = "pip install 'sound2sight[ray]'"

# `ray:<video spec>`: the video backend's anchors and clips rendered as Ray tasks. Registered
# here, where the Ray executor lives, so every process that can run a Ray job knows the spec.


class LocalExecutor:
    """Jobs in a pool of `workers` processes on this machine (started with `spawn`)."""

    name = "local"

    def __init__(self, *, workers: int) -> None:
        if workers < 1:
            raise InvalidInputError("--jobs must be 1 or more")
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the caller may hold threads (LangGraph, ffmpeg pumps) and locks
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run `fn(*args)` in a worker process; the future holds its result or exception."""
        outer: Future = Future()
        self._start(outer, fn, args, retries=CRASH_RETRIES)
        return outer

    def _start(self, outer: Future, fn: Callable[..., Any], args: tuple, *, retries: int) -> None:
        with self._lock:
            pool = self._pool
        try:
            inner = pool.submit(fn, *args)
        except BrokenProcessPool:
            self._replace(pool)
            self._start(outer, fn, args, retries=retries)
            return

        def settle(done: Future) -> None:
            if done.cancelled():  # dropped by shutdown(cancel=True)
                outer.cancel()
                return
            error = done.exception()
            if isinstance(error, BrokenProcessPool) and retries > 0:
                # a worker died: the pool fails every job it held; each gets a fresh process
                self._replace(pool)
                self._start(outer, fn, args, retries=retries - 1)
            elif error is not None:
                outer.set_exception(error)
            else:
                outer.set_result(done.result())

        inner.add_done_callback(settle)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = self._new_pool()
        broken.shutdown(wait=False)

    def shutdown(self, *, cancel: bool = False) -> None:
        """Wait for the running jobs (or, with `cancel`, drop the queued ones first)."""
        with self._lock:
            pool = self._pool
        pool.shutdown(wait=True, cancel_futures=cancel)


class RayExecutor:
    """Jobs as Ray tasks: on the cluster at `address`, else on a new local Ray instance that
    runs `workers` jobs at once."""

    name = "ray"

    def __init__(self, *, workers: int, address: str | None = None) -> None:
        if workers < 1:
            raise InvalidInputError("--jobs must be 1 or more")
        ray = require_ray()
        self.workers = workers
        self._started = not ray.is_initialized()
        if self._started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None:  # "local": a new instance, never a stray one found on the host
                options |= {"address": "local", "resources": {JOB_RESOURCE: workers}}
            else:
                options["address"] = address
            ray.init(**options)
        if not ray.cluster_resources().get(JOB_RESOURCE):
            where = f"the Ray cluster at {address}" if address else "this Ray instance"
            if self._started:
                ray.shutdown()
            raise BackendUnavailableError(
                f"{where} offers no {JOB_RESOURCE!r} resource: start its nodes with "
                f"`ray start ... --resources='{{\"{JOB_RESOURCE}\": N}}'` (N songs at once)"
            )
        self._tasks: dict[Callable[..., Any], Any] = {}

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run `fn(*args)` as a Ray task (one `sound2sight_job`, no CPU, spread over the
        nodes); the future holds its result or exception (a `RayTaskError` that is also an
        instance of the job's exception class)."""
        ray = require_ray()
        task = self._tasks.get(fn)
        if task is None:
            task = self._tasks[fn] = ray.remote(fn).options(
                num_cpus=0,
                num_gpus=0,
                resources={JOB_RESOURCE: 1},
                scheduling_strategy="SPREAD",
                max_retries=CRASH_RETRIES,
                retry_exceptions=False,
            )
        return task.remote(*args).future()

    def shutdown(self, *, cancel: bool = False) -> None:
        """Disconnect; a local Ray instance started here stops (and its tasks with it)."""
        ray = require_ray()
        if self._started and ray.is_initialized():
            ray.shutdown()


Executor = LocalExecutor | RayExecutor


def make_executor(kind: str, *, workers: int, address: str | None = None) -> Executor:
    """The executor named `kind` ("local" or "ray"); `address` is a Ray cluster's."""
    if kind == "local":
        if address:
            raise InvalidInputError("--ray-address needs --executor ray")
        return LocalExecutor(workers=workers)
    if kind == "ray":
        return RayExecutor(workers=workers, address=address)
    raise InvalidInputError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")


def require_ray():
    """The `ray` module, or one clear error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise BackendUnavailableError(f"--executor ray needs Ray: {RAY_EXTRA}") from None
    return ray
