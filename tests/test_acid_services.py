"""Services test: the seeded Hive ACID table (sales.orders_acid: two insert deltas, one delete delta) is
scanned, planned and copied from the sandbox's real HDFS into the real Iceberg REST catalog, and the Iceberg
table holds exactly the live rows, computed here independently from the ORC files read back from HDFS."""
from __future__ import annotations

import io
import json
import uuid

import pytest

from okdp_migrate.cli import main

pytestmark = pytest.mark.services

ACID = "/warehouse/tablespace/managed/hive/sales.db/orders_acid"


def _live_rows_from_hdfs(env) -> list[tuple]:
    """Live rows by the plainest reading of the Hive ACID rule: every inserted row whose
    (originalTransaction, bucket, rowId) no delete event names."""
    import os

    import hdfs_native
    import pyarrow.orc as po

    os.environ.setdefault("HADOOP_USER_NAME", env.get("hdfs_user") or "root")
    client = hdfs_native.Client("hdfs://" + env["namenode_rpc"])
    inserted, deleted = {}, set()
    for st in client.list_status(ACID, recursive=True):
        name = st.path.rsplit("/", 1)[-1]
        if st.isdir or not name.startswith("bucket_"):
            continue
        with client.read(st.path) as f:
            data = f.read()
        for ev in po.ORCFile(io.BytesIO(data)).read().to_pylist():
            key = (ev["originalTransaction"], ev["bucket"], ev["rowId"])
            if ev["operation"] == 0:
                inserted[key] = ev["row"]
            elif ev["operation"] == 2:
                deleted.add(key)
    assert inserted, f"no ACID bucket files found under {ACID}: is the sandbox seeded?"
    return sorted(tuple(r.values()) for k, r in inserted.items() if k not in deleted)


def test_seeded_acid_table_is_copied_into_iceberg_with_its_deletes_applied(sandbox, tmp_path, capsys):
    from okdp_migrate.config import load
    from okdp_migrate.connectors.iceberg import open_catalog
    from okdp_migrate.iceberg_commit import _settings, ledger

    env_json = tmp_path / "env.json"
    env_json.write_text(json.dumps({k: v for k, v in sandbox.items() if k != "own"}))
    scan = tmp_path / "scan"
    assert main(["--config", str(env_json), "scan", "--out", str(scan), "--root", ACID, "--database", "sales",
                 "--no-oozie", "--no-ranger", "--no-hbase", "--no-hiveserver2", "--no-configs"]) in (0, 8)
    run = f"acid{uuid.uuid4().hex[:8]}"
    plan = tmp_path / "plan.yaml"
    assert main(["plan", "--from-scan", str(scan), "--target", f"s3://{sandbox['s3_bucket']}/{run}",
                 "--iceberg-prefix", f"{run}_", "--include", ACID, "--out", str(plan)]) == 0
    capsys.readouterr()
    journal = tmp_path / "journal"
    rc = main(["--config", str(env_json), "--json", "copy", str(plan), "--journal", str(journal)])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0, summary["failures"]
    assert summary["tables_committed"] == 1 and summary["tables_failed"] == 0
    # the sandbox's metastore gives no write-id list: the copy says so instead of guessing
    assert any("sales.orders_acid" in n and "write-id" in n for n in summary["notes"])

    expected = _live_rows_from_hdfs(sandbox)
    assert len(expected) == 1490
    catalog = open_catalog(_settings(load(env_json, env={})))
    ident = f"{run}_sales.orders_acid"
    try:
        table = catalog.load_table(ident)
        got = table.scan().to_arrow()
        columns = ["order_id", "customer_id", "status", "amount", "order_date"]
        assert [f.name for f in table.schema().fields] == columns
        assert sorted(tuple(r[c] for c in columns) for r in got.to_pylist()) == expected
        entry = ledger(journal)["sales.orders_acid"]
        assert entry["status"] == "committed" and entry["rows"] == 1490
        # files of the table's data only: no delete-delta file became a data file
        assert all("delete_delta" not in t.file.file_path for t in table.scan().plan_files())
        # rerun: nothing copied or committed again, and the warning is still given
        rc = main(["--config", str(env_json), "--json", "copy", str(plan), "--journal", str(journal)])
        again = json.loads(capsys.readouterr().out)
        assert rc == 0 and again["files_copied"] == 0 and again["tables_committed"] == 0
        assert any("sales.orders_acid" in n and "write-id" in n for n in again["notes"])
    finally:
        try:
            catalog.drop_table(ident)
        except Exception:  # noqa: BLE001 - cleanup only
            pass


def test_transaction_state_says_why_when_the_metastore_has_no_transaction_tables(sandbox):
    import socket

    from okdp_migrate.connectors.hive_txns import transaction_state

    # the sandbox's Hive 2.3 metastore runs without DbTxnManager: no TXNS tables, the call fails server-side
    state, why = transaction_state(sandbox["metastore_uri"])
    assert state is None and "get_open_txns_info" in why
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    state, why = transaction_state(f"thrift://127.0.0.1:{port}", timeout_s=5)
    assert state is None and "did not answer" in why
    assert transaction_state(None) == (None, "no metastore.uri configured")
