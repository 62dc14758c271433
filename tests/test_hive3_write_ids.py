"""Services test: Hive 3 valid write-id lists for the ACID merge.

A throw-away database in the sandbox's real PostgreSQL is loaded with Hive's own 3.1.0 metastore schema
(../shared/fixtures) and the transaction rows Hive 3.1 leaves there: a committed write (its TXNS row is
deleted at commit, its TXN_TO_WRITE_ID row stays), an aborted and an open one, and writes of another
table. The reader must return exactly this table's open+aborted write ids, and a Hive 3 ACID layout
committed into the real Iceberg REST catalog must then hold only the committed writes' rows.
"""
from __future__ import annotations

import io
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from test_iceberg_commit import Lake, _read_back, _settings

pytestmark = pytest.mark.services

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "hms" / "hive-schema-3.1.0.postgres.sql"
V1 = 1 << 29  # BucketCodec V1, as Hive 3 writes the ACID `bucket` column (bucket 0, statement 0)


def _with_database(url: str, name: str, query: str = "") -> str:
    return urlparse(url)._replace(path=f"/{name}", query=query).geturl()


@pytest.fixture(scope="module")
def hive3_db(sandbox):
    """URL of a private database holding the Hive 3.1 metastore schema; dropped at the end."""
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is absent (../shared fixtures not available)")
    if not sandbox.get("metastore_db_url"):
        pytest.skip("the sandbox runs without PostgreSQL (no metastore_db_url)")
    import psycopg

    name = f"okdp_w3_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(sandbox["metastore_db_url"], autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    url = _with_database(sandbox["metastore_db_url"], name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA.read_text())
        yield url
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _hive3_writes(url: str, database: str, table: str, first_txn: int) -> None:
    """As Hive 3.1 leaves them: write 1 committed (no TXNS row any more), 2 aborted, 3 open, 4 committed;
    another table's writes reuse the same numbers with other states."""
    import psycopg

    t1, t2, t3, t4, o1, o2 = range(first_txn, first_txn + 6)
    with psycopg.connect(url, autocommit=True) as conn:
        for txn, state in ((t2, "a"), (t3, "o"), (o1, "a"), (o2, "o")):
            conn.execute("INSERT INTO txns (txn_id, txn_state, txn_started, txn_last_heartbeat, txn_user, txn_host) "
                         "VALUES (%s, %s, 0, 0, 'hive', 'edge1')", (txn, state))
        for txn, tbl, write_id in ((t1, table, 1), (t2, table, 2), (t3, table, 3), (t4, table, 4),
                                   (o1, "other", 1), (o2, "other", 4)):
            conn.execute("INSERT INTO txn_to_write_id (t2w_txnid, t2w_database, t2w_table, t2w_writeid) "
                         "VALUES (%s, %s, %s, %s)", (txn, database, tbl, write_id))
        for tbl, nxt in ((table, 5), ("other", 5)):
            conn.execute("INSERT INTO next_write_id (nwi_database, nwi_table, nwi_next) VALUES (%s, %s, %s)",
                         (database, tbl, nxt))


def test_reader_returns_exactly_the_tables_open_and_aborted_write_ids(hive3_db):
    from okdp_migrate.connectors.hive_write_ids import write_id_state

    _hive3_writes(hive3_db, "w3sales", "orders", first_txn=100)
    state, why = write_id_state(hive3_db, "W3Sales.Orders")  # the metastore stores names lower-case
    assert why == ""
    assert (state.open, state.aborted, state.high_water_mark) == ({3}, {2}, 4)
    assert state.invalid == frozenset({2, 3})
    state, why = write_id_state(hive3_db, "w3sales.never_written")
    assert why == "" and state.invalid == frozenset() and state.high_water_mark == 0


def test_reader_finds_quoted_upper_case_transaction_tables(hive3_db):
    """Hive 4's PostgreSQL schema quotes its names ("TXNS"): the spelling is looked up, not assumed."""
    import psycopg
    from okdp_migrate.connectors.hive_write_ids import write_id_state

    with psycopg.connect(hive3_db, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA hive4; CREATE TABLE hive4."VERSION" AS SELECT * FROM public."VERSION";'
                     'CREATE TABLE hive4."TXNS" ("TXN_ID" bigint, "TXN_STATE" char(1));'
                     'CREATE TABLE hive4."TXN_TO_WRITE_ID" ("T2W_TXNID" bigint, "T2W_DATABASE" varchar(128), '
                     '"T2W_TABLE" varchar(256), "T2W_WRITEID" bigint);'
                     'CREATE TABLE hive4."NEXT_WRITE_ID" ("NWI_DATABASE" varchar(128), "NWI_TABLE" varchar(256), '
                     '"NWI_NEXT" bigint);'
                     """INSERT INTO hive4."TXNS" VALUES (7, 'a'), (8, 'c'), (9, 'o');"""
                     """INSERT INTO hive4."TXN_TO_WRITE_ID" VALUES (7, 'd', 't', 1), (8, 'd', 't', 2), (9, 'd', 't', 3);"""
                     """INSERT INTO hive4."NEXT_WRITE_ID" VALUES ('d', 't', 4)""")
    hive4 = _with_database(hive3_db, urlparse(hive3_db).path.strip("/"), "options=-csearch_path%3Dhive4")
    state, why = write_id_state(hive4, "d.t")
    assert why == "" and (state.open, state.aborted, state.high_water_mark) == ({3}, {1}, 3)
    # Hive 4 has no NEXT_TXN_ID: the newest TXNS row is the transaction high-water mark
    state, why = write_id_state(hive4, "d.t", visibility_txns={8, 9, 12})
    assert why == "" and (state.invalid_txns, state.txn_high_water_mark) == ({9, 12}, 9)


def test_unknown_when_the_schema_has_no_write_ids_or_the_login_fails(sandbox, hive3_db):
    from okdp_migrate.connectors.hive_write_ids import write_id_state

    assert write_id_state(None, "a.b") == (None, "no metastore.db_url configured")
    state, why = write_id_state(sandbox["metastore_db_url"], "sales.orders_acid")  # the sandbox's 2.3 schema
    assert state is None and "no TXN_TO_WRITE_ID table" in why and "2.3" in why
    password = f"Wrong-{uuid.uuid4().hex[:10]}"
    bad = urlparse(hive3_db)._replace(netloc=f"{urlparse(hive3_db).username}:{password}@"
                                             f"{urlparse(hive3_db).hostname}:{urlparse(hive3_db).port}").geturl()
    state, why = write_id_state(bad, "a.b")
    assert state is None and "refused the login" in why and password not in why


# --- end to end: Hive 3 layout in S3 (as the copy leaves it) -> Iceberg REST catalog ------------------------
def _acid_orc(ops) -> bytes:
    """ops: (operation, originalWriteId, rowId, currentWriteId, id | None); Hive names row fields by position."""
    import pyarrow as pa
    import pyarrow.orc as po

    row = pa.struct([("_col0", pa.int64()), ("_col1", pa.string())])
    t = pa.table({"operation": pa.array([o[0] for o in ops], pa.int32()),
                  "originalTransaction": pa.array([o[1] for o in ops], pa.int64()),
                  "bucket": pa.array([V1] * len(ops), pa.int32()),
                  "rowId": pa.array([o[2] for o in ops], pa.int64()),
                  "currentTransaction": pa.array([o[3] for o in ops], pa.int64()),
                  "row": pa.array([{"_col0": o[4], "_col1": f"r{o[4]}"} if o[4] is not None else None
                                   for o in ops], row)})
    buf = io.BytesIO()
    po.write_table(t, buf)
    return buf.getvalue()


def _hive3_lake(sandbox, tmp_path) -> tuple[Lake, str]:
    """Write 1 inserts ids 1-3; aborted write 2 inserts 4-5 and deletes id 1; open write 3 inserts 6;
    committed write 4 deletes id 2. Live: ids 1 and 3."""
    lake = Lake({**sandbox, "own": False}, tmp_path)
    fqn = lake.add_table("orders", "orc", "rewrite", [("id", "bigint"), ("label", "string")])
    layout = {
        "delta_0000001_0000001_0000": [(0, 1, 0, 1, 1), (0, 1, 1, 1, 2), (0, 1, 2, 1, 3)],
        "delta_0000002_0000002_0000": [(0, 2, 0, 2, 4), (0, 2, 1, 2, 5)],
        "delete_delta_0000002_0000002_0000": [(2, 1, 0, 2, None)],
        "delta_0000003_0000003_0000": [(0, 3, 0, 3, 6)],
        "delete_delta_0000004_0000004_0000": [(2, 1, 1, 4, None)],
    }
    for d, ops in layout.items():
        lake.add_file(fqn, f"{d}/bucket_00000", _acid_orc(ops))
        lake.add_file(fqn, f"{d}/_orc_acid_version", b"2")
    lake.verify_all()
    return lake, fqn


def _commit(lake, settings):
    from okdp_migrate.iceberg_commit import CommitResult, commit_tables

    results: list[CommitResult] = []
    assert commit_tables(lake.plan(), lake.journal, settings, results=results) == 1, results
    _, got = _read_back(lake.e, f"{lake.ns}.orders")
    try:
        return results[0], sorted(r["id"] for r in got.to_pylist())
    finally:
        from okdp_migrate.connectors.iceberg import open_catalog

        catalog = open_catalog(_settings(lake.e))
        catalog.drop_table(f"{lake.ns}.orders")
        catalog.drop_namespace(lake.ns)


def test_copy_of_a_hive3_table_leaves_out_open_and_aborted_writes(sandbox, hive3_db, tmp_path):
    lake, _ = _hive3_lake(sandbox, tmp_path)
    _hive3_writes(hive3_db, lake.ns, "orders", first_txn=200)
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": hive3_db})
    assert ids == [1, 3], result
    assert result.rows == 2 and result.warnings == []
    assert any("rows of 1 open and 1 aborted writes left out" in n for n in result.notes), result.notes


def test_without_write_ids_the_rows_are_included_and_the_copy_says_why(sandbox, hive3_db, tmp_path):
    """Today's fallback, kept on purpose: no metastore.db_url, or a wrong password, never fails the copy."""
    lake, _ = _hive3_lake(sandbox, tmp_path)
    result, ids = _commit(lake, _settings(sandbox))
    assert ids == [3, 4, 5, 6]  # the aborted write's rows and its delete of id 1 are applied as if committed
    assert len(result.warnings) == 1
    assert "valid write-id list is unknown (no metastore.db_url configured)" in result.warnings[0]
    assert "set metastore.db_url" in result.warnings[0] and "COMPACT 'major'" in result.warnings[0]

    # the database answers but has no writes for this table: its list cannot describe these files
    lake, _ = _hive3_lake(sandbox, tmp_path / "unknown-table")
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": hive3_db})
    assert ids == [3, 4, 5, 6] and len(result.warnings) == 1
    assert "write ids up to 0" in result.warnings[0] and "the files go up to 4" in result.warnings[0]

    password = f"Wrong-{uuid.uuid4().hex[:10]}"
    u = urlparse(hive3_db)
    bad = u._replace(netloc=f"{u.username}:{password}@{u.hostname}:{u.port}").geturl()
    lake, _ = _hive3_lake(sandbox, tmp_path / "bad")
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": bad})
    assert ids == [3, 4, 5, 6] and len(result.warnings) == 1
    assert "refused the login" in result.warnings[0]
    assert password not in " ".join(result.warnings + result.notes + [result.error or ""])

    # a database that answers but is not Hive 3's (the sandbox's own metastore is 2.3): aim it elsewhere
    lake, _ = _hive3_lake(sandbox, tmp_path / "hive2")
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": sandbox["metastore_db_url"]})
    assert ids == [3, 4, 5, 6] and len(result.warnings) == 1
    assert "no TXN_TO_WRITE_ID table" in result.warnings[0]
    assert "point metastore.db_url at the Hive 3 metastore's database" in result.warnings[0]


# --- end to end through the CLI: the seeded Hive 3 table, real HDFS -> scan -> plan -> copy -> Iceberg -------
ACID = "/warehouse/tablespace/managed/hive/sales.db/orders_acid"


def _seeded_rows_without_write(env, skipped: int) -> list[tuple]:
    """Live rows of the seeded table read straight from HDFS, as if write `skipped` had been aborted."""
    import os

    import hdfs_native
    import pyarrow.orc as po

    os.environ.setdefault("HADOOP_USER_NAME", env.get("hdfs_user") or "root")
    client = hdfs_native.Client("hdfs://" + env["namenode_rpc"])
    inserted, deleted = {}, set()
    for st in client.list_status(ACID, recursive=True):
        if st.isdir or not st.path.rsplit("/", 1)[-1].startswith("bucket_"):
            continue
        with client.read(st.path) as f:
            events = po.ORCFile(io.BytesIO(f.read())).read().to_pylist()
        for ev in events:
            if ev["currentTransaction"] == skipped:
                continue
            key = (ev["originalTransaction"], ev["bucket"], ev["rowId"])
            if ev["operation"] == 0:
                inserted[key] = ev["row"]
            elif ev["operation"] == 2:
                deleted.add(key)
    return sorted(tuple(r.values()) for k, r in inserted.items() if k not in deleted)


def test_cli_copy_of_the_seeded_hive3_table_leaves_out_its_aborted_write(sandbox, hive3_db, tmp_path, capsys):
    import json

    import psycopg
    from okdp_migrate.cli import main
    from okdp_migrate.connectors.iceberg import open_catalog
    from okdp_migrate.iceberg_commit import ledger

    # the seeded sales.orders_acid has writes 1 and 2 (inserts) and 3 (deletes): say write 2 was aborted
    with psycopg.connect(hive3_db, autocommit=True) as conn:
        conn.execute("INSERT INTO txns (txn_id, txn_state, txn_started, txn_last_heartbeat, txn_user, txn_host) "
                     "VALUES (902, 'a', 0, 0, 'hive', 'edge1')")
        for txn, write_id in ((901, 1), (902, 2), (903, 3)):
            conn.execute("INSERT INTO txn_to_write_id VALUES (%s, 'sales', 'orders_acid', %s)", (txn, write_id))
        conn.execute("INSERT INTO next_write_id VALUES ('sales', 'orders_acid', 4)")
    env_json = tmp_path / "env.json"
    env_json.write_text(json.dumps({**{k: v for k, v in sandbox.items() if k != "own"},
                                    "metastore_db_url": hive3_db}))
    scan, plan, run = tmp_path / "scan", tmp_path / "plan.yaml", f"w3{uuid.uuid4().hex[:8]}"
    assert main(["--config", str(env_json), "scan", "--out", str(scan), "--root", ACID, "--database", "sales",
                 "--no-oozie", "--no-ranger", "--no-hbase", "--no-hiveserver2", "--no-configs"]) in (0, 8)
    assert main(["plan", "--from-scan", str(scan), "--target", f"s3://{sandbox['s3_bucket']}/{run}",
                 "--iceberg-prefix", f"{run}_", "--include", ACID, "--out", str(plan)]) == 0
    capsys.readouterr()
    rc = main(["--config", str(env_json), "--json", "copy", str(plan), "--journal", str(tmp_path / "journal")])
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert rc == 0 and summary["tables_committed"] == 1, summary["failures"]
    assert not any("write-id list is unknown" in n for n in summary["notes"]), summary["notes"]
    entry = ledger(tmp_path / "journal")["sales.orders_acid"]
    assert any("rows of 0 open and 1 aborted writes left out" in n for n in entry["notes"]), entry["notes"]
    expected = _seeded_rows_without_write(sandbox, skipped=2)
    assert 0 < len(expected) < 1490  # write 2 inserted 500 of the 1,490 live rows
    catalog = open_catalog(_settings(sandbox))
    ident = f"{run}_sales.orders_acid"
    try:
        columns = ["order_id", "customer_id", "status", "amount", "order_date"]
        got = catalog.load_table(ident).scan().to_arrow().to_pylist()
        assert sorted(tuple(r[c] for c in columns) for r in got) == expected
        assert urlparse(hive3_db).password not in out.out + out.err
    finally:
        catalog.drop_table(ident)


# --- Hive 3 compactions: `base_N_vM` is there only once the compactor's transaction M committed --------------
def _compactor_txn(url: str, txn: int, state: str | None) -> None:
    """Transaction `txn` open ('o'), aborted ('a') or committed (None: Hive 3.1 deletes its TXNS row);
    transactions up to 999 allocated (NEXT_TXN_ID, one row for the whole metastore)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE next_txn_id SET ntxn_next = 1000")
        conn.execute("DELETE FROM txns WHERE txn_id = %s", (txn,))
        if state:
            conn.execute("INSERT INTO txns (txn_id, txn_state, txn_started, txn_last_heartbeat, txn_user, txn_host) "
                         "VALUES (%s, %s, 0, 0, 'hive', 'edge1')", (txn, state))


def test_reader_tells_which_compactor_transactions_have_not_committed(hive3_db):
    from okdp_migrate.connectors.hive_write_ids import write_id_state

    for txn, state in ((20, "o"), (21, "a"), (22, None)):
        _compactor_txn(hive3_db, txn, state)
    state, why = write_id_state(hive3_db, "w3c.t", visibility_txns={20, 21, 22, 1000})
    assert why == "" and (state.invalid_txns, state.txn_high_water_mark) == ({20, 21, 1000}, 999)
    state, _ = write_id_state(hive3_db, "w3c.t")  # no `_vM` directory: nothing to look up
    assert (state.invalid_txns, state.txn_high_water_mark) == (set(), None)


def _compaction_lake(sandbox, tmp_path, hive3_db, base_ids) -> Lake:
    """Writes 1-4 committed: 1 inserts ids 1-3, 2 inserts 4, 3 deletes id 1, 4 inserts 6 (above the base).
    A major compaction by transaction 20 writes `base_3_v20` holding `base_ids` (all of 2-4 once finished)."""
    import psycopg

    lake = Lake({**sandbox, "own": False}, tmp_path)
    fqn = lake.add_table("orders", "orc", "rewrite", [("id", "bigint"), ("label", "string")])
    by_id = {2: (0, 1, 1, 1, 2), 3: (0, 1, 2, 1, 3), 4: (0, 2, 0, 2, 4)}
    layout = {
        "delta_0000001_0000001_0000": [(0, 1, 0, 1, 1), by_id[2], by_id[3]],
        "delta_0000002_0000002_0000": [by_id[4]],
        "delete_delta_0000003_0000003_0000": [(2, 1, 0, 3, None)],
        "delta_0000004_0000004_0000": [(0, 4, 0, 4, 6)],
        "base_0000003_v0000020": [by_id[i] for i in base_ids],
    }
    for d, ops in layout.items():
        lake.add_file(fqn, f"{d}/bucket_00000", _acid_orc(ops))
        lake.add_file(fqn, f"{d}/_orc_acid_version", b"2")
    lake.verify_all()
    with psycopg.connect(hive3_db, autocommit=True) as conn:  # all writes committed: no TXNS rows
        conn.execute("INSERT INTO next_write_id (nwi_database, nwi_table, nwi_next) VALUES (%s, 'orders', 5)",
                     (lake.ns,))
    return lake


def test_copy_ignores_the_base_of_a_compaction_still_running(sandbox, hive3_db, tmp_path):
    _compactor_txn(hive3_db, 20, "o")
    lake = _compaction_lake(sandbox, tmp_path, hive3_db, base_ids=[2])  # half written: ids 3 and 4 not yet
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": hive3_db})
    assert ids == [2, 3, 4, 6], result
    assert result.warnings == []
    assert any("output of 1 compaction(s) in progress or failed ignored (transaction 20)" in n
               for n in result.notes), result.notes
    assert any("3 base/delta/original files merged" in n and "1 obsolete" in n for n in result.notes), result.notes


def test_copy_uses_the_base_of_a_committed_compaction(sandbox, hive3_db, tmp_path):
    _compactor_txn(hive3_db, 20, None)
    lake = _compaction_lake(sandbox, tmp_path, hive3_db, base_ids=[2, 3, 4])
    result, ids = _commit(lake, {**_settings(sandbox), "metastore.db_url": hive3_db})
    assert ids == [2, 3, 4, 6], result
    assert result.warnings == [] and not any("compaction" in n for n in result.notes), result.notes
    # base + delta_4 read; the deltas and the delete delta <= 3 it covers are obsolete
    assert any("2 base/delta/original files merged" in n and "3 obsolete" in n for n in result.notes), result.notes
