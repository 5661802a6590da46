"""Whether a socket address is on this machine: the one rule of the suite's network guards (in
the test process, conftest; in the servers and bots tests start, subprocess_guard)."""

import ipaddress


def is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    if host == "localhost" or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
