"""JSON for dataclasses, dates and paths: one encoder for inventories, journals and --json output."""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import PurePath
from typing import Any


def _default(o: Any) -> Any:
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, PurePath):
        return str(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj: Any, indent: int | None = 2) -> str:
    return json.dumps(obj, indent=indent, default=_default, ensure_ascii=False)
