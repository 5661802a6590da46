"""The suite's network guard for the servers and bots tests start as processes of their own
(where conftest's guard does not reach): a `sitecustomize` on the child's PYTHONPATH refuses
every connection beyond loopback and says so on stderr, for the test to read in its log."""

import os
from pathlib import Path

GUARD_ON = "sound2sight-test: network guard on"
BLOCKED = "sound2sight-test: network attempt blocked"
SITECUSTOMIZE = f'''
import ipaddress, socket, sys

_connect = socket.socket.connect


def _loopback(address):
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    if host == "localhost" or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
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
    base = {k: v for k, v in (env or os.environ).items() if not k.endswith("_API_KEY")}
    path = os.pathsep.join(filter(None, [str(guard), base.get("PYTHONPATH")]))
    return {**base, "PYTHONPATH": path}


def assert_stayed_local(log: str) -> None:
    """The child installed the guard and never tried to leave the machine."""
    assert GUARD_ON in log  # the guard was installed in the child's process
    assert BLOCKED not in log, log[log.index(BLOCKED) - 500 :][:1500]
