"""Per-source completion markers in the scan's out dir: what makes `scan --resume` skip finished sources.

A marker is written only after every file of its source is in place (atomic renames), so a killed
scan leaves either a finished source or none: `--resume` redoes only the unfinished ones.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..inventory import write_json

STATE_DIR = ".scan-state"


class ScanState:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.dir = self.out / STATE_DIR

    def marker(self, source: str) -> Path:
        return self.dir / f"{source}.json"

    def done(self, source: str) -> dict[str, Any] | None:
        """The recorded result of a source finished earlier, or None."""
        try:
            data = json.loads(self.marker(source).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if data.get("status") == "ok" else None

    def record(self, source: str, status: str, summary: dict[str, Any], error: str | None = None,
               started: float | None = None) -> dict[str, Any]:
        entry = {"status": status, "summary": summary, "error": error,
                 "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "seconds": round(time.monotonic() - started, 3) if started else None}
        write_json(self.marker(source), entry)
        return entry

    def clear(self, source: str) -> None:
        self.marker(source).unlink(missing_ok=True)
