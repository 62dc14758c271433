"""The columnar form of a live HDFS listing: Arrow RecordBatches with exactly the HdfsEntry columns.

The walkers fill plain Python lists column by column (far cheaper than one object per entry) and turn
them into one RecordBatch per batch; `entries()` gives the HdfsEntry model back for callers that want it.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Iterable, Iterator

from okdp_migrate.model import HdfsEntry

ENTRY_FIELDS = tuple(f.name for f in fields(HdfsEntry))
INT_FIELDS = frozenset(("size", "replication", "mtime", "atime", "block_size"))


def schema():
    import pyarrow as pa

    return pa.schema([(n, pa.int64() if n in INT_FIELDS else pa.string()) for n in ENTRY_FIELDS])


class Columns:
    """Column lists for one batch; `take()` returns the RecordBatch and starts a new one."""

    def __init__(self):
        self.cols: dict[str, list] = {n: [] for n in ENTRY_FIELDS}

    def __len__(self) -> int:
        return len(self.cols["path"])

    def take(self):
        import pyarrow as pa

        s = schema()
        batch = pa.RecordBatch.from_arrays([pa.array(self.cols[f.name], type=f.type) for f in s], schema=s)
        self.cols = {n: [] for n in ENTRY_FIELDS}
        return batch


def entries(batches: Iterable) -> Iterator[list[HdfsEntry]]:
    """RecordBatches -> lists of HdfsEntry, one list per batch."""
    for b in batches:
        d = b.select(list(ENTRY_FIELDS)).to_pydict()
        yield [HdfsEntry(*row) for row in zip(*(d[n] for n in ENTRY_FIELDS))]


def octal(perms: list[int]) -> list[str]:
    """Permission bits as HDFS prints them ("755", "1777"); few distinct values, so a dict does it."""
    table = {p: format(p, "o") for p in set(perms)}
    return [table[p] for p in perms]
