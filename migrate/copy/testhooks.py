"""Named pause points, so kill tests stop the copy at an exact place instead of guessing a time.

OKDP_MIGRATE_TEST_HOOK="NAME:N" makes the N-th pass through `point(NAME)` write
OKDP_MIGRATE_TEST_HOOK_FILE and sleep until the process is killed. "NAME:N:wait" (N may be "*" for
every pass) writes the file and waits until the test deletes it, then carries on (the test changes a
source file meanwhile). Unset: a no-op.
Points: before_put (a small file read, not yet sent), after_part (a multipart part recorded),
before_complete (all parts sent, not yet completed), after_file (a file verified and recorded).
"""
from __future__ import annotations

import os
import threading
import time

_counts: dict[str, int] = {}
_lock = threading.Lock()
_SPEC = os.environ.get("OKDP_MIGRATE_TEST_HOOK", "")


def point(name: str) -> None:
    if not _SPEC:
        return
    want, _, rest = _SPEC.partition(":")
    if want != name:
        return
    nth, _, mode = rest.partition(":")
    with _lock:
        _counts[name] = _counts.get(name, 0) + 1
        hit = nth == "*" or _counts[name] == int(nth or 1)
        if not hit:
            return
        marker = os.environ.get("OKDP_MIGRATE_TEST_HOOK_FILE")
        if marker:
            with open(marker, "w", encoding="utf-8") as f:
                f.write(name)
        if mode == "wait" and marker:
            while os.path.exists(marker):
                time.sleep(0.05)
            return
    while True:  # wait for kill -9
        time.sleep(3600)
