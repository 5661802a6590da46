"""The suite's network guard for the servers and bots tests start as processes of their own
(where conftest's guard does not reach): a `sitecustomize` on the child's PYTHONPATH, with the
suite's loopback rule beside it, refuses every connection beyond loopback and says so on
stderr, for the test to read in its log."""

import os
import shutil
from pathlib import Path

GUARD_ON = "sound2sight-test: network guard on"
BLOCKED = "sound2sight-test: network attempt blocked"
SITECUSTOMIZE = f'''
import socket, sys

from loopback import is_loopback

_connect = socket.socket.connect


def _guarded(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
        print("{BLOCKED}:", repr(address), file=sys.stderr, flush=True)
        raise OSError(f"network blocked in tests: {{address!r}}")
    return _connect(sock, address)


socket.socket.connect = _guarded
print("{GUARD_ON}", file=sys.stderr, flush=True)
'''


def guarded_env(folder: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) with the guard first on PYTHONPATH; API keys dropped."""
    guard = folder / "network-guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    shutil.copy(Path(__file__).with_name("loopback.py"), guard / "loopback.py")
    base = {k: v for k, v in (env or os.environ).items() if not k.endswith("_API_KEY")}
    path = os.pathsep.join(filter(None, [str(guard), base.get("PYTHONPATH")]))
    return {**base, "PYTHONPATH": path}


def assert_stayed_local(log: str) -> None:
    """The child installed the guard and never tried to leave the machine."""
    assert GUARD_ON in log  # the guard was installed in the child's process
    assert BLOCKED not in log, log[log.index(BLOCKED) - 500 :][:1500]
