"""The Arrow form of an HDFS listing shared by the offline readers (fsimage, oiv Delimited).

Columns are the HdfsEntry fields followed by what only an image knows (block count, quotas), so the
readers can stream RecordBatches straight into Parquet, and callers wanting the model get HdfsEntry.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from ..model import HdfsEntry

ENTRY_FIELDS = ("path", "kind", "size", "replication", "mtime", "atime", "block_size", "owner", "group",
                "permission", "storage_policy", "ec_policy")
COLUMNS = ENTRY_FIELDS + ("blocks", "ns_quota", "ds_quota")
STRING_COLUMNS = frozenset(("path", "kind", "owner", "group", "permission", "storage_policy", "ec_policy"))


def schema():
    import pyarrow as pa

    return pa.schema([(c, pa.string() if c in STRING_COLUMNS else pa.int64()) for c in COLUMNS])


def batch_from_columns(cols: dict[str, list]):
    import pyarrow as pa

    s = schema()
    return pa.RecordBatch.from_arrays([pa.array(cols[f.name], type=f.type) for f in s], schema=s)


def to_entries(batches: Iterable) -> Iterator[list[HdfsEntry]]:
    """RecordBatches of COLUMNS -> lists of HdfsEntry, one list per batch."""
    for batch in batches:
        data = batch.select(list(ENTRY_FIELDS)).to_pydict()
        yield [HdfsEntry(*row) for row in zip(*(data[f] for f in ENTRY_FIELDS))]
