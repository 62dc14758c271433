"""Health probes (TCP, HTTP, protocol) and a wait loop that fails with the log file to read."""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from typing import Callable

from ..errors import ServiceUnreachable
from .procs import Proc

Probe = Callable[[], bool]


def tcp(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 2.0) -> int | None:
    # No proxy for loopback, whatever the environment says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return None


def http_json(url: str, timeout: float = 2.0):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def wait_for(what: str, probe: Probe, proc: Proc | None, timeout: float, interval: float = 0.5) -> None:
    """Poll `probe` until it is true; fail early if the process died, or at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except Exception:  # a probe that raises is just "not yet"
            pass
        if proc is not None and not proc.alive():
            raise ServiceUnreachable(f"{what} exited during start-up", obj=str(proc.log_file),
                                     fix=f"read the log: {proc.log_file}")
        if time.monotonic() > deadline:
            where = f"read the log {proc.log_file}" if proc else "check the service"
            raise ServiceUnreachable(f"{what} not healthy after {timeout:.0f}s",
                                     obj=str(proc.log_file) if proc else what, fix=where)
        time.sleep(interval)
