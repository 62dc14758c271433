"""Workloads outside Oozie (Airflow DAGs, shell scripts) and HBase tables from a listing or a FAKE HBase REST."""
from fake_http import JsonHandler, serving

import pytest

from okdp_migrate.connectors.hbase import HBaseRest, phoenix_in_use, tables_from_listing
from okdp_migrate.connectors.workloads import scan_dirs
from okdp_migrate.model import HdfsEntry

pytestmark = pytest.mark.unit

SCRIPT = """#!/bin/bash
# hive -f commented.hql must not count
hdfs dfs -mkdir -p /data/landing/sales/dt=${DT}
hadoop fs -put local.csv hdfs://mycluster/data/landing/sales/
spark-submit --master yarn --deploy-mode cluster \\
   --class com.acme.Job /opt/jobs/etl.jar --out /warehouse/tablespace/external/hive/sales.db/agg
hive -f load_sales.hql
beeline -u jdbc:hive2://hs2:10000 -n etl -p s3cret -e "INSERT OVERWRITE TABLE sales.daily SELECT * FROM sales.raw r JOIN ref.country c ON r.c = c.id"
"""
DAG = """from airflow import DAG
from airflow.providers.apache.hive.operators.hive import HiveOperator
with DAG(dag_id="sales_daily", schedule="@daily") as dag:
    HiveOperator(task_id="load", hql="INSERT INTO sales.daily SELECT * FROM sales.raw")
"""


def test_shell_and_airflow_workloads(tmp_path):
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "run.sh").write_text(SCRIPT)
    (tmp_path / "jobs" / "load_sales.hql").write_text("INSERT INTO TABLE sales.daily SELECT * FROM staging.sales;")
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "sales.py").write_text(DAG)
    (tmp_path / "dags" / "helper.py").write_text("print('nothing to see')\n")
    found = {w.path.rsplit("/", 1)[-1]: w for w in scan_dirs([tmp_path])}
    assert set(found) == {"run.sh", "sales.py"}
    sh = found["run.sh"]
    assert [c.tool for c in sh.commands] == ["hdfs-dfs", "hadoop-fs", "spark-submit", "hive", "beeline"]
    spark = sh.commands[2]
    assert spark.on_yarn and spark.scripts == ["/opt/jobs/etl.jar"] and spark.line == 5
    assert "/warehouse/tablespace/external/hive/sales.db/agg" in spark.paths
    assert sh.commands[3].tables == ["sales.daily", "staging.sales"]  # read from load_sales.hql
    assert sh.commands[4].tables == ["ref.country", "sales.daily", "sales.raw"]
    assert "s3cret" not in sh.commands[4].text
    assert "hdfs://mycluster/data/landing/sales/" in sh.paths
    dag = found["sales.py"]
    assert dag.kind == "airflow_dag" and dag.dag_ids == ["sales_daily"] and "HiveOperator" in dag.operators
    assert dag.tables == ["sales.daily", "sales.raw"]


def _e(path, kind="file", size=0):
    return HdfsEntry(path=path, kind=kind, size=size)


def test_hbase_tables_from_listing():
    r1, r2 = "a" * 32, "b" * 32
    rows = [_e("/hbase/data/default/users", "dir"), _e(f"/hbase/data/default/users/{r1}", "dir"),
            _e(f"/hbase/data/default/users/{r1}/cf/hfile1", size=100),
            _e(f"/hbase/data/default/users/{r1}/recovered.edits/1", size=7),
            _e(f"/hbase/data/default/users/{r2}/cf/hfile2", size=50),
            _e("/hbase/data/default/users/.tabledesc/.tableinfo.0001", size=9),
            _e("/hbase/data/SYSTEM/CATALOG", "dir"), _e("/hbase/data/default/.tmp", "dir"),
            _e("/hbase/archive/data/default/users/x", size=1000), _e("/data/other", size=5)]
    tables = {t.fqn: t for t in tables_from_listing(rows)}
    assert set(tables) == {"default:users", "SYSTEM:CATALOG"}
    u = tables["default:users"]
    assert (u.regions, u.files, u.bytes) == (2, 2, 150)
    assert phoenix_in_use(tables.values())


class FakeHBaseRest(JsonHandler):
    """A FAKE HBase REST (Stargate) server: table list and regions."""

    def do_GET(self):  # noqa: N802
        if self.path == "/":
            body = {"table": [{"name": "users"}, {"name": "SYSTEM:CATALOG"}]}
        elif self.path.endswith("/regions"):
            body = {"name": self.path[1:-8], "Region": [{"name": "r1"}, {"name": "r2"}, {"name": "r3"}][
                : 3 if "users" in self.path else 1]}
        else:
            body = {}
        self.send_json(body)


def test_hbase_rest_against_fake_server():
    with serving(FakeHBaseRest) as url:
        tables = {t.fqn: t for t in HBaseRest(url).tables()}
    assert tables["default:users"].regions == 3 and tables["SYSTEM:CATALOG"].phoenix


def test_scan_reads_hbase_tables_from_the_rest_server_when_configured(tmp_path, capsys, monkeypatch):
    """No HDFS here: the FAKE HBase REST server alone gives the tables, each blocked (OKDP has no HBase)."""
    import json

    from okdp_migrate.cli import main

    with serving(FakeHBaseRest) as url:
        monkeypatch.setenv("OKDP_MIGRATE_HBASE_REST_URL", url)
        code = main(["scan", "--json", "--out", str(tmp_path), "--no-hdfs", "--no-metastore", "--no-hiveserver2",
                     "--no-oozie", "--no-ranger", "--no-configs", "--no-workloads"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["sources"]["hbase"]["status"] == "ok"
    doc = json.loads((tmp_path / "hbase.json").read_text())
    regions = {t["namespace"] + ":" + t["name"]: t["regions"] for t in doc["tables"]}
    assert regions == {"default:users": 3, "SYSTEM:CATALOG": 1}
    assert {v["verdict"] for v in doc["verdicts"]} == {"blocked"} and doc["phoenix"]
