"""Render `okdp-migrate copy`: a live progress display on stderr and the final summary on stdout."""
from __future__ import annotations

import threading
from typing import Any


class RichCopyProgress:
    """Bytes, files, rate, ETA and errors on stderr (rich); thread-safe."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._lock = threading.Lock()
        self.errors = 0
        self.files = 0
        self._bar = None
        self._task = None
        self._files_total = 0

    def __enter__(self):
        if self.enabled:
            from .console import progress

            self._bar = progress(transient=False)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def start(self, files: int, nbytes: int) -> None:
        self._files_total = files
        if self._bar is not None:
            self._task = self._bar.add_task(self._label(), total=nbytes or 1)

    def _label(self) -> str:
        return f"copy {self.files}/{self._files_total} files, {self.errors} errors"

    def advance(self, nbytes: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=nbytes)

    def file_done(self, ok: bool, skipped_bytes: int = 0) -> None:
        with self._lock:
            self.files += 1
            if not ok:
                self.errors += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=skipped_bytes, description=self._label())


def summary_text(s: Any) -> str:
    if s.dry_run:
        lines = [f"dry run: {s.files_planned} files, {s.bytes_planned} bytes would be copied (nothing written)"]
        lines += [f"  {i['src']} -> {i['dst']} ({i['size']} B)" for i in s.items[:50]]
        if len(s.items) > 50:
            lines.append(f"  ... and {len(s.items) - 50} more (use --json for the full list)")
        return "\n".join(lines)
    rate = s.bytes_copied / s.seconds / 1e6 if s.seconds else 0.0
    lines = [f"planned {s.files_planned} files ({s.bytes_planned} B); copied {s.files_copied} "
             f"({s.bytes_copied} B, {rate:.1f} MB/s); verified {s.files_verified}; skipped (already verified) "
             f"{s.files_skipped}; failed {s.files_failed}; not attempted {s.files_not_attempted}; "
             f"tables committed {s.tables_committed}, failed {s.tables_failed}; {s.seconds:.1f} s",
             f"journal: {s.journal}"]
    lines += [f"note: {n}" for n in s.notes]
    lines += [f"FAILED {f['src']}: {f['error']}" for f in s.failures[:100]]
    if len(s.failures) > 100:
        lines.append(f"... and {len(s.failures) - 100} more failures (see --json or the journal)")
    return "\n".join(lines)
