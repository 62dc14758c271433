"""Free loopback ports for the sandbox's services, kept stable across restarts when still free."""
from __future__ import annotations

import socket
from contextlib import ExitStack
from typing import Iterable, Mapping

LOOPBACK = "127.0.0.1"


def is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def allocate(names: Iterable[str], keep: Mapping[str, int] | None = None, host: str = LOOPBACK,
             in_use_ok: Iterable[str] = ()) -> dict[str, int]:
    """One distinct free port per name. A port from `keep` is reused when it is free, or when its
    name is in `in_use_ok` (the service that holds it is ours and still running)."""
    keep = dict(keep or {})
    in_use_ok = set(in_use_ok)
    out: dict[str, int] = {}
    taken: set[int] = set()
    with ExitStack() as stack:  # hold every new socket until all are chosen, so no port is handed out twice
        for name in names:
            old = keep.get(name)
            if old and old not in taken and (name in in_use_ok or is_free(old, host)):
                out[name] = old
                taken.add(old)
                continue
            while True:
                s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                s.bind((host, 0))
                port = s.getsockname()[1]
                if port not in taken and port not in keep.values():
                    break
            out[name] = port
            taken.add(port)
    return out
