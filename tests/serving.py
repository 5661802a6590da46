"""A `sound2sight serve` process on 127.0.0.1 for tests, and a reader for its event streams."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; its job workers must end with it."""
        workers = children(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        deadline = time.monotonic() + 10
        while (left := [pid for pid in workers if _alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"the server left its workers behind: {left}"


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_server(*args: str, cwd: Path, env: dict | None = None, timeout: float = 60) -> Server:
    """`sound2sight serve ARGS` on a free loopback port, once it answers."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    with open(log, "w") as errors:  # the child keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "serve", "--port", str(port), *args],
            cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env={**os.environ, **(env or {})},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/v1/info", timeout=1).status_code == 200:
                return Server(process, url, log)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server did not answer in {timeout} s: {log.read_text()}")
        time.sleep(0.2)


def follow(client: httpx.Client, job_id: str, *, after: int = 0, timeout: float = 240):
    """The job's progress events after the first `after`, its end event and the last event id."""
    events, end, last = [], None, after
    headers = {"Last-Event-ID": str(after)}
    with client.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers, timeout=timeout) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("id:"):
                last = int(line.split(":", 1)[1])
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
                if kind == "end":
                    end = data
                    break
                events.append(data)
    return events, end, last


class Recorder:
    """An executor for a JobStore that only records what it is given (the test runs it)."""

    name = "recorder"
    workers = 1

    def __init__(self) -> None:
        self.calls = []

    def submit(self, fn, *args) -> Future:
        self.calls.append((fn, args))
        return Future()
