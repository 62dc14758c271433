"""The copy journal: every file's state, upload id and completed parts, durable across kill -9.

SQLite in WAL mode in a local directory (several shard processes may share one), committed at
every state change, so a rerun knows exactly which files are verified (never copied again), which
multipart uploads to finish (their parts, ETags and part CRC32Cs), and which files failed and why.
States: planned -> copying -> copied -> verified; or failed / skipped.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import BadInputError

PLANNED, COPYING, COPIED, VERIFIED, FAILED, SKIPPED = "planned", "copying", "copied", "verified", "failed", "skipped"
STATES = (PLANNED, COPYING, COPIED, VERIFIED, FAILED, SKIPPED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY, src TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL,
  size INTEGER, mtime INTEGER, table_name TEXT, state TEXT NOT NULL DEFAULT 'planned',
  upload_id TEXT, part_size INTEGER, src_size INTEGER, src_mtime INTEGER,
  crc32c TEXT, src_checksum TEXT, verified_by TEXT, etag TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated REAL,
  UNIQUE (bucket, key));
CREATE INDEX IF NOT EXISTS files_src ON files (src);
CREATE TABLE IF NOT EXISTS parts (
  file_id INTEGER NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL, crc32c INTEGER NOT NULL,
  size INTEGER NOT NULL, PRIMARY KEY (file_id, part_number));
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
"""
# Keys per lookup and rows per page of the bulk reads: their memory stays the same whatever the number of
# files (a run has millions); 500 keys bind 501 variables, far below SQLite's limit.
CHUNK = 500
PAGE = 5000


def chunks(values: Iterable[Any], size: int | None = None) -> Iterator[list[Any]]:
    """Lists of at most `size` (default CHUNK) values, read lazily from any iterable."""
    it = iter(values)
    while chunk := list(itertools.islice(it, size or CHUNK)):
        yield chunk


@dataclass
class Part:
    number: int
    etag: str
    crc32c: int
    size: int


class Journal:
    FILE = "journal.sqlite"

    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInputError(f"cannot create the journal directory ({exc.strerror})", obj=str(self.dir),
                                fix="pass a writable directory to --journal") from None
        self.path = self.dir / self.FILE
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # WAL + NORMAL: a commit survives the process being killed (not a power cut mid-commit), and
        # readers (the Iceberg step, `plan show`, other shard processes) never block the writer.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    # -- writes -------------------------------------------------------------------------
    def _write(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, tuple(args))

    def add_items(self, items: Iterable[Any]) -> None:
        """Register plan items (src, dst_bucket, dst_key, size, mtime, table); existing rows are kept."""
        now = time.time()
        # a generator: the one transaction reads the items as it inserts them, no list of rows beside them
        rows = ((i.src, i.dst_bucket, i.dst_key, i.size, i.mtime, getattr(i, "table", None), now) for i in items)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO files (src, bucket, key, size, mtime, table_name, updated) VALUES (?,?,?,?,?,?,?)"
                    " ON CONFLICT (bucket, key) DO UPDATE SET src=excluded.src, table_name=excluded.table_name"
                    " WHERE files.src != excluded.src OR files.table_name IS NOT excluded.table_name", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def update(self, file_id: int, **fields: Any) -> None:
        fields["updated"] = time.time()
        cols = ", ".join(f"{k}=?" for k in fields)
        self._write(f"UPDATE files SET {cols} WHERE id=?", [*fields.values(), file_id])

    def bump_attempts(self, file_id: int) -> None:
        self._write("UPDATE files SET attempts = attempts + 1 WHERE id=?", [file_id])

    def add_part(self, file_id: int, part: Part) -> None:
        self._write("INSERT OR REPLACE INTO parts VALUES (?,?,?,?,?)",
                    [file_id, part.number, part.etag, part.crc32c, part.size])

    def clear_parts(self, file_id: int) -> None:
        self._write("DELETE FROM parts WHERE file_id=?", [file_id])

    def set_meta(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES (?,?)", [key, value])

    # -- reads --------------------------------------------------------------------------
    def row(self, bucket: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM files WHERE bucket=? AND key=?", (bucket, key)).fetchone()
        return dict(r) if r else None

    def _select_in(self, keys: Iterable[tuple[str, str]], select: str, state: str | None = None
                   ) -> Iterator[list[sqlite3.Row]]:
        """SELECT `select` over the rows of the (bucket, key) pairs (optionally only those in `state`), one
        indexed query per bucket of each chunk: nothing is held beyond one chunk."""
        for chunk in chunks(keys):
            by_bucket: dict[str, list[str]] = {}
            for bucket, key in chunk:
                by_bucket.setdefault(bucket, []).append(key)
            for bucket, names in by_bucket.items():
                where = "state=? AND " if state is not None else ""
                sql = f"SELECT {select} FROM files WHERE {where}bucket=? AND key IN ({','.join('?' * len(names))})"
                args = ((state,) if state is not None else ()) + (bucket, *names)
                with self._lock:
                    rows = self._db.execute(sql, args).fetchall()
                yield rows

    def lookup(self, keys: Iterable[tuple[str, str]], columns: str = "*", state: str | None = None
               ) -> Iterator[sqlite3.Row]:
        """The rows the journal has for the (bucket, key) pairs, optionally only those in `state`
        (`columns` of them: include bucket and key to tell them apart), chunk by chunk, in no set order."""
        for rows in self._select_in(keys, columns, state):
            yield from rows

    def count_in_state(self, keys: Iterable[tuple[str, str]], state: str) -> int:
        """How many of the (bucket, key) pairs are in `state`, counted by SQLite."""
        return sum(rows[0][0] for rows in self._select_in(keys, "COUNT(*)", state))

    def parts(self, file_id: int) -> list[Part]:
        with self._lock:
            rows = self._db.execute("SELECT part_number, etag, crc32c, size FROM parts WHERE file_id=? "
                                    "ORDER BY part_number", (file_id,)).fetchall()
        return [Part(*r) for r in rows]

    def meta(self, key: str) -> str | None:
        with self._lock:
            r = self._db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return r[0] if r else None

    def state_of(self, src: str) -> str | None:
        """The state of a source file (the Iceberg commit step asks this)."""
        with self._lock:
            r = self._db.execute("SELECT state FROM files WHERE src=? ORDER BY id LIMIT 1", (src,)).fetchone()
        return r[0] if r else None

    def entries(self, columns: str = "*") -> Iterator[dict[str, Any]]:
        """Every row in id order, read a page at a time (pages by id: later writes do not shift them)."""
        last = 0
        while True:
            with self._lock:
                page = self._db.execute(f"SELECT id AS _page_id, {columns} FROM files WHERE id > ? ORDER BY id "
                                        "LIMIT ?", (last, PAGE)).fetchall()
            for r in page:
                row = dict(r)
                del row["_page_id"]
                yield row
            if len(page) < PAGE:
                return
            last = page[-1]["_page_id"]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM files GROUP BY state").fetchall()
        out = {s: 0 for s in STATES}
        out.update({s: n for s, n in rows})
        return out

    def snapshot_to(self, dest: str | Path) -> None:
        """A consistent copy of the journal (for mirroring into the bucket)."""
        with self._lock:
            out = sqlite3.connect(dest)
            try:
                self._db.backup(out)
            finally:
                out.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()
