"""Files the seeder writes into HDFS itself (not through Spark): landing-zone CSV and pipe files,
a directory of many small files, a Hive ACID table's delta directories, an orphan directory,
HBase's root dir, Spark event logs and user home files.

Pure and deterministic: every generator takes a seeded random.Random, returns
[(hdfs path, bytes)] and, where a table reads them, the exact number of rows.
"""
from __future__ import annotations

import hashlib
import io
import json
import random
from dataclasses import dataclass, field

import pyarrow as pa

from .warehouse import EXTERNAL, MANAGED, ORPHAN_DIRS

SEED = 20240301
SMALL_FILES_DIR = "/data/raw/clickstream/2024-03-01"
SMALL_FILES = 2000
HBASE_ROOT = "/apps/hbase/data"


@dataclass
class RawBatch:
    """Files for one purpose, and the rows a table over them returns (None: no table)."""
    name: str
    files: list[tuple[str, bytes]] = field(default_factory=list)
    rows: int | None = None

    @property
    def bytes(self) -> int:
        return sum(len(d) for _, d in self.files)


def app_logs_csv(rng: random.Random) -> RawBatch:
    """OpenCSVSerde files with a header line and quoted messages that contain commas."""
    batch, rows = RawBatch("logs.app_logs_csv"), 0
    levels, services = ["INFO", "INFO", "INFO", "WARN", "ERROR"], ["checkout", "search", "auth", "billing"]
    for part, n in enumerate((1000, 800, 700)):
        lines = ['"ts","level","service","message"']
        for i in range(n):
            ts = f"2024-02-{1 + (i % 28):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
            msg = f"request {rng.randrange(10**6)} took {rng.randrange(2000)} ms, user \"u{rng.randrange(500)}\""
            lines.append(f'"{ts}","{rng.choice(levels)}","{rng.choice(services)}","{msg.replace(chr(34), chr(92) + chr(34))}"')
        batch.files.append((f"{EXTERNAL}/logs.db/app_logs_csv/app-{part:05d}.csv", ("\n".join(lines) + "\n").encode()))
        rows += n
    batch.rows = rows
    return batch


def customers_import(rng: random.Random) -> RawBatch:
    batch, rows = RawBatch("staging.customers_import"), 0
    for part, n in enumerate((600, 400)):
        lines = []
        for i in range(n):
            cid = 1500 + part * 600 + i
            lines.append(f"{cid}|Import {cid}|import{cid}@example.com|{rng.choice(['FR', 'DE', 'ES'])}|"
                         f"{rng.choice(['retail', 'smb'])}|2024-02-{1 + i % 28:02d} 08:00:00")
        batch.files.append((f"/data/staging/customers_import/extract_{part:03d}.psv", ("\n".join(lines) + "\n").encode()))
        rows += n
    batch.rows = rows
    return batch


def small_files(rng: random.Random, count: int = SMALL_FILES) -> RawBatch:
    """Many small tab-separated files (1-6 KB each), as a streaming job that never compacts leaves them."""
    batch, rows = RawBatch("logs.clickstream_raw"), 0
    pages = ["/", "/cart", "/search", "/product/42", "/checkout", "/account"]
    for i in range(count):
        n = rng.randrange(20, 120)
        lines = [f"{1709251200000 + i * 1000 + j}\ts{rng.randrange(10**8):08d}\t{rng.choice(pages)}\t{rng.randrange(3000)}"
                 for j in range(n)]
        batch.files.append((f"{SMALL_FILES_DIR}/part-{i:05d}.log", ("\n".join(lines) + "\n").encode()))
        rows += n
    batch.rows = rows
    return batch


def _parquet(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


def orphans(rng: random.Random) -> RawBatch:
    """Directories under the warehouse roots that no table points at."""
    batch = RawBatch("orphans")
    for d in ORPHAN_DIRS:
        for part in range(3):
            ids = list(range(part * 1000, part * 1000 + 1000))
            t = pa.table({"id": ids, "value": [rng.random() for _ in ids]})
            batch.files.append((f"{d}/part-{part:05d}-{hashlib.md5(d.encode()).hexdigest()[:8]}.snappy.parquet", _parquet(t)))
    return batch


# --- Hive ACID (Hive 3 layout: delta_<min>_<max>_<stmt>, bucket_<n>, _orc_acid_version) ---------
ACID_LOCATION = f"{MANAGED}/sales.db/orders_acid"
ACID_BUCKETS = 2
_ROW_TYPE = pa.struct([("order_id", pa.int64()), ("customer_id", pa.int64()), ("status", pa.string()),
                       ("amount", pa.decimal128(12, 2)), ("order_date", pa.date32())])
ACID_COLUMNS = (("order_id", "bigint"), ("customer_id", "bigint"), ("status", "string"),
                ("amount", "decimal(12,2)"), ("order_date", "date"))


def _bucket_property(bucket: int) -> int:
    """BucketCodec V1 as Hive 3 writes it into the ACID 'bucket' column."""
    return (1 << 29) | (bucket << 16)


def _acid_orc(ops: list[tuple[int, int, int, int, dict | None]]) -> bytes:
    """ops: (operation, originalTransaction, bucket, rowId, row). operation 0=insert, 2=delete."""
    import pyarrow.orc as orc

    t = pa.table({
        "operation": pa.array([o[0] for o in ops], pa.int32()),
        "originalTransaction": pa.array([o[1] for o in ops], pa.int64()),
        "bucket": pa.array([_bucket_property(o[2]) for o in ops], pa.int32()),
        "rowId": pa.array([o[3] for o in ops], pa.int64()),
        "currentTransaction": pa.array([o[1] if o[0] == 0 else o[4]["txn"] for o in ops], pa.int64()),
        "row": pa.array([o[4] if o[0] == 0 else None for o in ops], _ROW_TYPE),
    })
    buf = io.BytesIO()
    orc.write_table(t, buf)
    return buf.getvalue()


def acid_table(rng: random.Random) -> RawBatch:
    """Two insert deltas (transactions 1 and 2) and one delete delta (transaction 3): live rows = 1490."""
    import datetime
    import decimal

    batch = RawBatch("sales.orders_acid")
    inserted: list[tuple[int, int, int]] = []  # (txn, bucket, rowId)
    for txn, n in ((1, 1000), (2, 500)):
        per_bucket: dict[int, list] = {b: [] for b in range(ACID_BUCKETS)}
        for i in range(n):
            order_id = txn * 100000 + i
            b = order_id % ACID_BUCKETS
            row = {"order_id": order_id, "customer_id": rng.randrange(1, 2001),
                   "status": rng.choice(["NEW", "PAID", "SHIPPED"]),
                   "amount": decimal.Decimal(rng.randrange(100, 100000)) / 100,
                   "order_date": datetime.date(2024, 3, 1) + datetime.timedelta(days=i % 30)}
            row_id = len(per_bucket[b])
            per_bucket[b].append((0, txn, b, row_id, row))
            inserted.append((txn, b, row_id))
        d = f"{ACID_LOCATION}/delta_{txn:07d}_{txn:07d}_0000"
        for b, ops in per_bucket.items():
            batch.files.append((f"{d}/bucket_{b:05d}", _acid_orc(ops)))
        batch.files.append((f"{d}/_orc_acid_version", b"2"))
    deleted = sorted(rng.sample(inserted, 10))
    d = f"{ACID_LOCATION}/delete_delta_0000003_0000003_0000"
    for b in range(ACID_BUCKETS):
        ops = [(2, txn, bb, rid, {"txn": 3}) for txn, bb, rid in deleted if bb == b]
        if ops:
            batch.files.append((f"{d}/bucket_{b:05d}", _acid_orc(ops)))
    batch.files.append((f"{d}/_orc_acid_version", b"2"))
    batch.rows = len(inserted) - len(deleted)
    return batch


# --- HBase root dir, Spark event logs, user homes, finance statements ------------------------------
def hbase(rng: random.Random) -> RawBatch:
    batch = RawBatch("hbase")
    tables = {("default", "user_sessions"): ("s", 3), ("telemetry", "device_metrics"): ("m", 2)}
    for (ns, table), (cf, regions) in tables.items():
        tdir = f"{HBASE_ROOT}/data/{ns}/{table}"
        batch.files.append((f"{tdir}/.tabledesc/.tableinfo.0000000001",
                            f"'{ns}:{table}', {{NAME => '{cf}', VERSIONS => '1', COMPRESSION => 'SNAPPY'}}".encode()))
        for r in range(regions):
            region = hashlib.md5(f"{ns}:{table}:{r}".encode()).hexdigest()
            batch.files.append((f"{tdir}/{region}/.regioninfo", f"{table},{r:04d},1709251200000.{region}.".encode()))
            for h in range(2):
                hfile = hashlib.md5(f"{region}:{h}".encode()).hexdigest()
                body = rng.randbytes(rng.randrange(16_000, 64_000)) + b"TRABLK\"$"  # HFile v3 trailer magic
                batch.files.append((f"{tdir}/{region}/{cf}/{hfile}", body))
    batch.files.append((f"{HBASE_ROOT}/hbase.version", b"PBUF\x08\x08"))
    batch.files.append((f"{HBASE_ROOT}/hbase.id", b"PBUF\n$" + hashlib.md5(b"tdp-hbase").hexdigest().encode()))
    return batch


def spark_history(rng: random.Random) -> RawBatch:
    batch = RawBatch("spark_history")
    for i in range(5):
        app = f"application_1709251200000_{i + 1:04d}"
        events = [{"Event": "SparkListenerApplicationStart", "App Name": f"sales-aggregate-{i}", "App ID": app,
                   "Timestamp": 1709251200000 + i * 86400000, "User": "etl"}]
        events += [{"Event": "SparkListenerTaskEnd", "Stage ID": s, "Task Info": {"Task ID": s * 10 + t}}
                   for s in range(3) for t in range(rng.randrange(5, 15))]
        events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": 1709251200000 + i * 86400000 + 600000})
        batch.files.append((f"/spark-history/{app}", ("\n".join(json.dumps(e) for e in events) + "\n").encode()))
    return batch


def user_homes(rng: random.Random) -> RawBatch:
    batch = RawBatch("user_homes")
    for i in range(4):
        rows = "\n".join(f"{d},{rng.randrange(10**6) / 100:.2f}" for d in range(1, 29))
        batch.files.append((f"/user/analyst/exports/revenue_2024_{i + 1:02d}.csv", f"day,revenue\n{rows}\n".encode()))
    batch.files.append(("/user/analyst/notebooks/churn.ipynb", json.dumps({"cells": [], "nbformat": 4}).encode()))
    batch.files.append(("/user/spark/.sparkStaging/README", b"staging dir of spark-submit\n"))
    for m in range(1, 4):
        batch.files.append((f"/data/finance/statements/2024-{m:02d}.pdf", b"%PDF-1.4\n" + rng.randbytes(20_000)))
    return batch
