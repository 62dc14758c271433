"""Read the text that `hdfs oiv -p Delimited` writes (Hadoop's Offline Image Viewer), streaming with pyarrow.

Columns (Hadoop docs): Path, Replication, ModificationTime, AccessTime, PreferredBlockSize, BlocksCount,
FileSize, NSQUOTA, DSQUOTA, Permission, UserName, GroupName, and StoragePolicyId with `-sp`.
Hadoop 2.8+ writes a header line and prefixes directories' permissions with 'd'; Hadoop 2.7 writes
neither, so a directory is then recognised by its quota columns (a file or symlink always has 0 there;
a directory has -1 or a positive quota). A symlink is the entry with no preferred block size.
Times are 'yyyy-MM-dd HH:mm' in the JVM's time zone where oiv ran: pass `tz_offset_minutes` when that
was not UTC. Minute precision is all the format keeps.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import BadInputError
from ..model import HdfsEntry
from .hdfs_batches import COLUMNS, schema, to_entries

HEADER = ("Path", "Replication", "ModificationTime", "AccessTime", "PreferredBlockSize", "BlocksCount", "FileSize",
          "NSQUOTA", "DSQUOTA", "Permission", "UserName", "GroupName")
OPTIONAL = ("StoragePolicyId", "ErasureCodingPolicy")
_INTS = ("Replication", "PreferredBlockSize", "BlocksCount", "FileSize", "NSQUOTA", "DSQUOTA")
_POLICIES = {1: "PROVIDED", 2: "COLD", 5: "WARM", 7: "HOT", 10: "ONE_SSD", 12: "ALL_SSD", 15: "LAZY_PERSIST"}
_FIX = "pass the unmodified output of 'hdfs oiv -p Delimited -i FSIMAGE -o FILE'"


def _mode(text: str) -> tuple[str | None, str]:
    """'drwxr-xr-x', 'rw-r--r--+', 'rwxrwxrwt' -> (kind hint or None, octal '755')."""
    kind = None
    if len(text) == 10 or (len(text) == 11 and text.endswith("+")):
        kind = {"d": "dir", "-": "file", "l": "symlink"}.get(text[0])
        text = text[1:]
    text = text.rstrip("+")
    if len(text) != 9:
        raise ValueError(text)
    bits = 0
    for i, ch in enumerate(text):
        if ch in "tT" and i == 8:
            bits |= 0o1000
            ch = "x" if ch == "t" else "-"
        elif ch in "sS" and i in (2, 5):
            bits |= 0o4000 if i == 2 else 0o2000
            ch = "x" if ch == "s" else "-"
        if ch != "-":
            bits |= 1 << (8 - i)
    return kind, format(bits, "o")


class OivDelimited:
    """One oiv Delimited file. `batches()` yields RecordBatches of hdfs_batches.COLUMNS; `entries()` HdfsEntry."""

    def __init__(self, path: str | os.PathLike, delimiter: str = "\t", tz_offset_minutes: int = 0):
        self.path = Path(path)
        self.delimiter = delimiter
        self.tz_offset_ms = tz_offset_minutes * 60_000
        if not self.path.is_file():
            raise BadInputError("file not found" if not self.path.exists() else "not a regular file",
                                obj=str(self.path), fix="check the --oiv-delimited path")
        with open(self.path, "rb") as f:
            first = f.readline().decode("utf-8", "replace").rstrip("\r\n").split(delimiter)
        self.has_header = first[:1] == ["Path"]
        if self.has_header:
            missing = [c for c in HEADER if c not in first]
            if missing:
                raise BadInputError(f"header lacks the oiv Delimited column(s) {', '.join(missing)}",
                                    obj=str(self.path), fix=_FIX)
            self.names = first
        elif first == [""]:
            self.names = list(HEADER)
        elif len(first) in (len(HEADER), len(HEADER) + 1):
            self.names = list(HEADER) + list(OPTIONAL[: len(first) - len(HEADER)])
        else:
            raise BadInputError(f"line 1 has {len(first)} fields; oiv Delimited has {len(HEADER)} "
                                f"(or {len(HEADER) + 1} with -sp)", obj=str(self.path), fix=_FIX)

    def batches(self, block_size: int = 16 << 20) -> Iterator["object"]:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        types = {c: pa.int64() for c in _INTS}
        types.update({c: pa.string() for c in self.names if c not in _INTS})
        reader_opts = pcsv.ReadOptions(block_size=block_size, use_threads=True,
                                       column_names=None if self.has_header else self.names)
        parse_opts = pcsv.ParseOptions(delimiter=self.delimiter, quote_char=False, escape_char=False,
                                       newlines_in_values=False, ignore_empty_lines=True)
        convert_opts = pcsv.ConvertOptions(column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False)
        try:
            reader = pcsv.open_csv(self.path, read_options=reader_opts, parse_options=parse_opts,
                                   convert_options=convert_opts)
            for batch in reader:
                yield self._convert(pa, batch)
        except (pa.ArrowInvalid, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0][:200]
            raise BadInputError(f"malformed oiv Delimited text ({first_line})", obj=str(self.path), fix=_FIX) from None

    def entries(self, block_size: int = 16 << 20) -> Iterator[list[HdfsEntry]]:
        return to_entries(self.batches(block_size))

    def _convert(self, pa, batch):
        import pyarrow.compute as pc

        col = batch.column
        # few distinct permission strings: decode each once, then expand by dictionary index
        perms = pc.dictionary_encode(col("Permission"))
        decoded = [_mode(p) for p in perms.dictionary.to_pylist()]
        hint = pc.take(pa.array([k for k, _ in decoded], pa.string()), perms.indices)
        octal = pc.take(pa.array([m for _, m in decoded], pa.string()), perms.indices)
        nsq, dsq, bsize = col("NSQUOTA"), col("DSQUOTA"), col("PreferredBlockSize")
        is_dir = pc.or_(pc.not_equal(nsq, 0), pc.not_equal(dsq, 0))
        guessed = pc.if_else(is_dir, "dir", pc.if_else(pc.greater(bsize, 0), "file", "symlink"))
        kind = pc.coalesce(hint, guessed)
        out = {
            "path": col("Path"), "kind": kind, "size": col("FileSize"), "replication": col("Replication"),
            "mtime": self._millis(pc, col("ModificationTime")), "atime": self._millis(pc, col("AccessTime")),
            "block_size": bsize, "owner": col("UserName"), "group": col("GroupName"), "permission": octal,
            "storage_policy": self._policies(pa, col("StoragePolicyId")) if "StoragePolicyId" in self.names
            else pa.nulls(batch.num_rows, pa.string()),
            "ec_policy": pc.if_else(pc.equal(col("ErasureCodingPolicy"), "-"), None, col("ErasureCodingPolicy"))
            if "ErasureCodingPolicy" in self.names else pa.nulls(batch.num_rows, pa.string()),
            "blocks": col("BlocksCount"), "ns_quota": nsq, "ds_quota": dsq,
        }
        return pa.RecordBatch.from_arrays([out[c] for c in COLUMNS], schema=schema())

    def _millis(self, pc, text):
        ts = pc.strptime(text, format="%Y-%m-%d %H:%M", unit="ms", error_is_null=False)
        ms = pc.cast(ts, "int64")
        return pc.subtract(ms, self.tz_offset_ms) if self.tz_offset_ms else ms

    @staticmethod
    def _policies(pa, ids):
        import pyarrow.compute as pc

        ints = pc.cast(ids, "int64")
        names = [None if not i else _POLICIES.get(i, str(i)) for i in ints.to_pylist()]
        return pa.array(names, pa.string())


def read_oiv_delimited(path: str | os.PathLike, tz_offset_minutes: int = 0) -> Iterator[list[HdfsEntry]]:
    """Convenience: the HdfsEntry batches of one oiv Delimited file."""
    return OivDelimited(path, tz_offset_minutes=tz_offset_minutes).entries()
