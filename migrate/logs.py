"""Logging on stderr (rich), with every configured secret scrubbed from every record."""
from __future__ import annotations

import logging
from typing import Iterable

from .config import REDACTED

LOGGER_NAME = "okdp_migrate"


class SecretScrubber(logging.Filter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            msg = record.getMessage()
            for s in self.secrets:
                msg = msg.replace(s, REDACTED)
            record.msg, record.args = msg, ()
        return True


def setup(verbosity: int, secrets: Iterable[str] = ()) -> logging.Logger:
    """verbosity: -1 quiet (errors only), 0 warnings+info, 1 debug, 2 debug incl. libraries."""
    from rich.console import Console
    from rich.logging import RichHandler

    level = {-1: logging.ERROR, 0: logging.INFO, 1: logging.DEBUG}.get(min(verbosity, 1), logging.INFO)
    handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=verbosity > 0,
                          rich_tracebacks=False)
    handler.addFilter(SecretScrubber(secrets))
    log = logging.getLogger(LOGGER_NAME)
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    return log


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}")
