"""Results on stdout: a table or text for people, one JSON document for machines (--json)."""
from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence


def to_json(obj: Any) -> str:
    from ..jsonutil import dumps

    return dumps(obj)


def emit_json(obj: Any, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(to_json(obj) + "\n")
    stream.flush()


def emit_text(text: str, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


def emit_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    Console(file=sys.stdout, soft_wrap=True, width=max(120, Console().width)).print(table)


def error_line(text: str) -> None:
    """The one line a user sees when something fails (stderr)."""
    sys.stderr.write(f"okdp-migrate: error: {text}\n")
    sys.stderr.flush()


def progress(transient: bool = True):
    """A rich progress display on stderr, for long work."""
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn, TransferSpeedColumn)

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=transient)
