"""The sandbox seed: pure generators (unit) and the seeded objects checked through the real services
(marker `services`: metastore thrift, WebHDFS, HiveServer2)."""
from __future__ import annotations

import csv
import io
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from okdp_migrate.errors import ServiceUnreachable
from okdp_migrate.sandbox import seed as seed_pkg
from okdp_migrate.sandbox.seed import oozie_apps, ranger_export, raw_data, site_configs, warehouse

FAKE_ENV = {"namenode_rpc": "127.0.0.1:8020", "webhdfs_url": "http://127.0.0.1:9870",
            "metastore_uri": "thrift://127.0.0.1:9083", "hiveserver2_host": "127.0.0.1", "hiveserver2_port": 10000,
            "metastore_db_url": "postgresql://hive:s3cr3t-pw@127.0.0.1:5433/metastore"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- Oozie applications --------------------------------------------------------------------------
def _apps():
    return oozie_apps.build_apps("hdfs://127.0.0.1:8020", "127.0.0.1:8050", "jdbc:hive2://127.0.0.1:10000/default")


@pytest.mark.unit
def test_every_workflow_transition_points_at_an_existing_node():
    for app_dir, files in _apps().items():
        for rel, data in files.items():
            if not rel.endswith("workflow.xml"):
                continue
            root = ET.fromstring(data)
            nodes = {el.get("name") for el in root if el.get("name")}
            targets = [el.get("to") or el.get("start") for el in root.iter()
                       if _local(el.tag) in ("start", "ok", "error", "case", "default", "path", "join")]
            assert targets, rel
            missing = {t for t in targets if t not in nodes}
            assert not missing, f"{app_dir}/{rel}: transitions to unknown nodes {missing}"


@pytest.mark.unit
def test_workflows_cover_the_action_types_a_migration_must_map():
    kinds = set()
    for files in _apps().values():
        for rel, data in files.items():
            if rel.endswith("workflow.xml"):
                root = ET.fromstring(data)
                kinds |= {_local(el.tag) for el in root.iter()}
    assert {"hive2", "shell", "spark", "fs", "decision", "fork", "join", "kill"} <= kinds


@pytest.mark.unit
def test_scripts_and_files_referenced_by_actions_are_shipped_in_the_app_dir():
    for app_dir, files in _apps().items():
        for rel, data in files.items():
            if not rel.endswith("workflow.xml"):
                continue
            base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            for el in ET.fromstring(data).iter():
                if _local(el.tag) == "script":
                    assert base + el.text in files, f"{app_dir}: {el.text} missing"
                if _local(el.tag) == "file":
                    assert base + el.text.split("#")[0] in files, f"{app_dir}: {el.text} missing"
                if _local(el.tag) == "jar" and "${nameNode}" in el.text:
                    assert el.text.replace("${nameNode}" + app_dir + "/", "") in files


@pytest.mark.unit
def test_each_app_has_one_entry_point_and_job_properties_naming_it():
    kinds = {}
    for app_dir, files in _apps().items():
        kinds[app_dir] = oozie_apps.app_kind(files)
        props = dict(line.split("=", 1) for line in files["job.properties"].decode().splitlines() if line)
        if kinds[app_dir] != "workflow":
            key = f"oozie.{'bundle' if kinds[app_dir] == 'bundle' else 'coord'}.application.path"
            assert props[key].endswith(f"{app_dir}/{kinds[app_dir]}.xml")
        ET.fromstring(files[f"{kinds[app_dir]}.xml"])
    assert sorted(kinds.values()) == ["bundle", "coordinator", "coordinator"]


@pytest.mark.unit
def test_coordinator_declares_a_dataset_and_an_input_event():
    coord = ET.fromstring(_apps()[f"{oozie_apps.APPS_ROOT}/daily_sales_etl"]["coordinator.xml"])
    tags = [_local(e.tag) for e in coord.iter()]
    assert "dataset" in tags and "data-in" in tags and "uri-template" in tags


@pytest.mark.unit
def test_fake_spark_jar_is_a_readable_zip():
    import zipfile

    jar = _apps()[f"{oozie_apps.APPS_ROOT}/daily_sales_etl"]["lib/sales-aggregate.jar"]
    with zipfile.ZipFile(io.BytesIO(jar)) as z:
        assert "Main-Class: com.example.sales.DailyAggregate" in z.read("META-INF/MANIFEST.MF").decode()


# --- Ranger export -------------------------------------------------------------------------------
@pytest.mark.unit
def test_ranger_export_has_the_admin_export_shape_and_the_hard_policy_kinds():
    export = json.loads(ranger_export.render(ranger_export.build_export()))
    assert set(export) == {"metaDataInfo", "policies"}
    pols = export["policies"]
    assert {p["service"] for p in pols} == {"hdfs-tdp", "hive-tdp"}
    assert len({p["id"] for p in pols}) == len(pols) == len({p["guid"] for p in pols})
    assert any(p["policyType"] == 1 and p["dataMaskPolicyItems"][0]["dataMaskInfo"]["dataMaskType"] for p in pols)
    assert any(p["policyType"] == 2 and p["rowFilterPolicyItems"][0]["rowFilterInfo"]["filterExpr"] for p in pols)
    assert any(p["denyPolicyItems"] for p in pols) and any(p["allowExceptions"] for p in pols)
    for p in pols:
        assert p["resources"] and all({"values", "isExcludes", "isRecursive"} <= set(r) for r in p["resources"].values())
        for item in p["policyItems"] + p["denyPolicyItems"]:
            assert item["users"] or item["groups"], p["name"]


# --- configs -------------------------------------------------------------------------------------
def _props(xml: bytes) -> dict[str, str]:
    return {p.findtext("name"): p.findtext("value") for p in ET.fromstring(xml).iter("property")}


@pytest.mark.unit
def test_configs_use_tdp_layout_and_point_at_the_sandbox():
    files = site_configs.build_configs(FAKE_ENV, "unused")
    assert {"etc/hadoop/conf/core-site.xml", "etc/hadoop/conf/hdfs-site.xml", "etc/hive/conf/hive-site.xml",
            "etc/hive/conf/ranger-hive-security.xml", "etc/hadoop/conf/yarn-site.xml"} <= set(files)
    assert _props(files["etc/hadoop/conf/core-site.xml"])["fs.defaultFS"] == "hdfs://127.0.0.1:8020"
    assert _props(files["etc/hadoop/conf/hdfs-site.xml"])["dfs.namenode.http-address"] == "127.0.0.1:9870"
    hive = _props(files["etc/hive/conf/hive-site.xml"])
    assert hive["hive.metastore.uris"] == "thrift://127.0.0.1:9083"
    assert hive["javax.jdo.option.ConnectionURL"] == "jdbc:postgresql://127.0.0.1:5433/metastore"
    assert _props(files["etc/hive/conf/ranger-hive-security.xml"])["ranger.plugin.hive.service.name"] == "hive-tdp"


@pytest.mark.unit
def test_hive_site_carries_the_metastore_password_or_a_generated_one():
    with_db = _props(site_configs.build_configs(FAKE_ENV, "generated")["etc/hive/conf/hive-site.xml"])
    assert with_db[site_configs.SECRET_PROPERTY] == "s3cr3t-pw"
    derby = _props(site_configs.build_configs({**FAKE_ENV, "metastore_db_url": None}, "generated")
                   ["etc/hive/conf/hive-site.xml"])
    assert derby[site_configs.SECRET_PROPERTY] == "generated"


# --- warehouse specs and raw files ---------------------------------------------------------------
@pytest.mark.unit
def test_warehouse_covers_formats_kinds_and_partition_shapes():
    tables = warehouse.TABLES
    assert {t.format for t in tables} >= {"text", "csv", "orc", "parquet", "avro", "view"}
    assert {t.kind for t in tables} == {"managed", "external", "view", "acid"}
    assert max(t.partitions for t in tables) >= 400
    assert any(len(t.partition_keys) == 2 for t in tables)
    assert any("CLUSTERED BY" in t.ddl for t in tables) and any(t.dangling for t in tables)
    for t in tables:
        assert bool(t.partitions) == bool(t.partition_keys), t.full_name
        assert t.rows is not None or t.raw_files or t.kind == "view", t.full_name
        assert t.db in warehouse.DATABASES


@pytest.mark.unit
def test_views_only_read_tables_the_seed_creates():
    import sqlglot
    from sqlglot import exp

    known = set(warehouse.by_name())
    joins = 0
    for t in warehouse.TABLES:
        if t.kind != "view":
            continue
        select = sqlglot.parse_one(t.ddl, read="spark").expression
        read = {f"{x.db}.{x.name}" for x in select.find_all(exp.Table)}
        assert read and read <= known, t.full_name
        joins += bool(list(select.find_all(exp.Join)))
    assert joins >= 2


@pytest.mark.unit
def test_raw_files_are_deterministic():
    a = raw_data.small_files(random.Random(7), count=50)
    b = raw_data.small_files(random.Random(7), count=50)
    assert a.files == b.files and a.rows == b.rows


@pytest.mark.unit
def test_small_files_are_many_and_small():
    batch = raw_data.small_files(random.Random(1))
    sizes = [len(d) for _, d in batch.files]
    assert len(sizes) == raw_data.SMALL_FILES == 2000
    assert max(sizes) < 8 * 1024 and min(sizes) > 500
    assert batch.rows == sum(d.count(b"\n") for _, d in batch.files)


@pytest.mark.unit
def test_csv_files_parse_to_the_announced_row_count_with_the_serde_quoting():
    batch = raw_data.app_logs_csv(random.Random(3))
    rows = 0
    for _, data in batch.files:
        parsed = list(csv.reader(io.StringIO(data.decode()), quotechar='"', escapechar="\\", doublequote=False))
        assert parsed[0] == ["ts", "level", "service", "message"]
        assert all(len(r) == 4 for r in parsed)
        rows += len(parsed) - 1
    assert rows == batch.rows == 2500


@pytest.mark.unit
def test_acid_files_are_orc_with_the_hive_acid_schema_and_count_live_rows():
    import pyarrow.orc as orc

    batch = raw_data.acid_table(random.Random(5))
    dirs = {p.rsplit("/", 2)[-2] for p, _ in batch.files}
    assert dirs == {"delta_0000001_0000001_0000", "delta_0000002_0000002_0000", "delete_delta_0000003_0000003_0000"}
    inserts = deletes = 0
    for path, data in batch.files:
        if "bucket_" not in path:
            assert data == b"2"
            continue
        t = orc.ORCFile(io.BytesIO(data)).read()
        assert t.column_names == ["operation", "originalTransaction", "bucket", "rowId", "currentTransaction", "row"]
        ops = t.column("operation").to_pylist()
        inserts += ops.count(0)
        deletes += ops.count(2)
    assert (inserts, deletes) == (1500, 10) and batch.rows == 1490


# --- idempotence and failure (no services needed) ------------------------------------------------
@pytest.mark.unit
def test_a_complete_manifest_makes_seed_a_no_op(tmp_path):
    done = {"complete": True, "tables": [], "marker": "from-disk"}
    (tmp_path / "seed_manifest.json").write_text(json.dumps(done))
    env = {**FAKE_ENV, "state_dir": str(tmp_path), "webhdfs_url": "http://127.0.0.1:1"}  # nothing listens there
    assert seed_pkg.seed(env) == done


@pytest.mark.unit
def test_unreachable_namenode_fails_with_one_line_naming_the_step(tmp_path):
    env = {**FAKE_ENV, "state_dir": str(tmp_path), "webhdfs_url": "http://127.0.0.1:1", "namenode_rpc": "127.0.0.1:1"}
    with pytest.raises(ServiceUnreachable) as err:
        seed_pkg.seed(env)
    line = err.value.one_line()
    assert "seed step 'connect' failed" in line and "\n" not in line
    assert not (tmp_path / "seed_manifest.json").exists()


STEP_METHODS = ("connect", "configs", "hive_tables", "raw_files", "oozie", "ranger", "acid_table", "dangling",
                "owners", "snapshot", "read_back")


def _stub_steps(monkeypatch, calls, failing=None):
    """Replace each step's body (not the runner) so the order, overlap and error path can be checked offline."""
    for name in STEP_METHODS:
        def body(self, name=name):
            calls.append(name)
            if name == failing:
                raise OSError("disk quota exceeded")
        monkeypatch.setattr(seed_pkg._Seeder, name, body)


@pytest.mark.unit
def test_seed_runs_every_step_once_and_writes_a_complete_manifest(tmp_path, monkeypatch):
    calls = []
    _stub_steps(monkeypatch, calls)
    out = seed_pkg.seed({**FAKE_ENV, "state_dir": str(tmp_path)})
    assert sorted(calls) == sorted(STEP_METHODS) and calls[:2] == ["connect", "configs"]
    assert calls[-1] == "read_back" and calls.index("acid_table") > calls.index("hive_tables")
    assert out["complete"] and set(out["steps"]) >= {"hive tables", "raw files", "snapshot"}
    assert json.loads((tmp_path / "seed_manifest.json").read_text())["complete"]


@pytest.mark.unit
def test_a_failing_side_step_names_itself_and_leaves_no_manifest(tmp_path, monkeypatch):
    from okdp_migrate.errors import PartialFailure

    _stub_steps(monkeypatch, [], failing="oozie")
    with pytest.raises(PartialFailure) as err:
        seed_pkg.seed({**FAKE_ENV, "state_dir": str(tmp_path)})
    assert "seed step 'oozie apps' failed: OSError: disk quota exceeded" in err.value.one_line()
    assert not (tmp_path / "seed_manifest.json").exists()


# --- against the seeded sandbox ------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded(sandbox):
    """The manifest of the shared sandbox's seed (seeding it first if nobody did)."""
    return seed_pkg.seed(sandbox)


def _web(env):
    import hdfs

    return hdfs.InsecureClient(env["webhdfs_url"], user=env["hdfs_user"])


@pytest.mark.services
def test_partition_counts_match_the_metastore(sandbox, seeded):
    from okdp_migrate.sandbox.seed.hive_load import metastore

    by_name = {t["full_name"]: t for t in seeded["tables"]}
    assert by_name["sales.orders"]["partitions"] == 400
    assert by_name["logs.web_events"]["partitions"] == 120
    assert by_name["finance.ledger"]["partition_keys"] == ["fiscal_year", "fiscal_month"]
    with metastore(sandbox) as hms:
        for name in ("sales.orders", "sales.order_items", "logs.web_events", "finance.ledger"):
            db, table = name.split(".")
            assert len(hms.get_partition_names(db, table, -1)) == by_name[name]["partitions"]


@pytest.mark.services
def test_acid_table_is_transactional_bucketed_orc_with_delta_dirs(sandbox, seeded):
    from okdp_migrate.sandbox.seed.hive_load import metastore

    with metastore(sandbox) as hms:
        t = hms.get_table("sales", "orders_acid")
    assert t.parameters["transactional"] == "true" and t.sd.numBuckets == 2
    assert t.sd.inputFormat.endswith("OrcInputFormat") and t.owner == "hive"
    names = _web(sandbox).list(raw_data.ACID_LOCATION)
    assert "delete_delta_0000003_0000003_0000" in names and "delta_0000001_0000001_0000" in names


@pytest.mark.services
def test_owners_and_permissions_are_real_in_hdfs(sandbox, seeded):
    web = _web(sandbox)
    small = web.status(raw_data.SMALL_FILES_DIR)
    assert (small["owner"], small["group"], small["permission"]) == ("etl", "etl", "750")
    a_file = web.status(raw_data.SMALL_FILES_DIR + "/part-00000.log")
    assert (a_file["owner"], a_file["permission"]) == ("etl", "640")
    assert web.status("/user/analyst/exports/revenue_2024_01.csv")["permission"] == "600"
    owners = {web.status(p)["owner"] for p in ("/user/analyst", "/spark-history", "/data/raw",
                                               f"{warehouse.MANAGED}/sales.db/orders")}
    assert owners == {"analyst", "spark", "etl", "hive"}


@pytest.mark.services
def test_small_files_dir_and_directory_sizes_match_the_manifest(sandbox, seeded):
    web = _web(sandbox)
    summary = web.content(raw_data.SMALL_FILES_DIR)
    assert summary["fileCount"] == seeded["small_files"]["files"] == 2000
    assert summary["length"] == seeded["small_files"]["bytes"]
    for path in ("/user/etl/apps", raw_data.HBASE_ROOT, f"{warehouse.MANAGED}/sales.db"):
        c = web.content(path)
        assert (c["fileCount"], c["length"]) == (seeded["directories"][path]["files"], seeded["directories"][path]["bytes"])


@pytest.mark.services
def test_snapshot_keeps_the_file_deleted_after_it(sandbox, seeded):
    web = _web(sandbox)
    snap = seeded["snapshot"]
    deleted = snap["deleted_after"][0]
    rel = deleted[len(snap["path"]):]
    assert web.status(snap["snapshot_path"] + rel)["type"] == "FILE"
    assert web.status(deleted, strict=False) is None


@pytest.mark.services
def test_dangling_table_and_orphan_dirs(sandbox, seeded):
    web = _web(sandbox)
    dangling = next(t for t in seeded["tables"] if t["full_name"] == "staging.orders_2019")
    assert dangling["dangling"] and web.status(dangling["path"], strict=False) is None
    table_paths = [t["path"] for t in seeded["tables"]]
    for orphan in seeded["orphan_dirs"]:
        assert orphan["files"] == 3 and web.status(orphan["path"])["type"] == "DIRECTORY"
        assert not any(p.startswith(orphan["path"]) or orphan["path"].startswith(p + "/") for p in table_paths)


@pytest.mark.services
def test_tables_read_back_through_hiveserver2(sandbox, seeded):
    from okdp_migrate.sandbox.seed.hive_load import hiveserver2

    rows = {t["full_name"]: t["rows"] for t in seeded["tables"]}
    with hiveserver2(sandbox) as cur:
        for name in ("sales.orders", "hr.departments", "staging.customers_import", "hr.employee_profiles"):
            cur.execute(f"SELECT count(*) FROM {name}")
            assert cur.fetchall()[0][0] == rows[name], name
        # Spark ignores skip.header.line.count; the manifest counts rows as Hive does (headers skipped)
        cur.execute("SELECT count(*) FROM logs.app_logs_csv WHERE ts <> 'ts'")
        assert cur.fetchall()[0][0] == rows["logs.app_logs_csv"]
        cur.execute("SELECT count(*) FROM sales.v_order_summary")
        assert cur.fetchall()[0][0] > 0


@pytest.mark.services
def test_oozie_apps_and_ranger_export_are_in_hdfs(sandbox, seeded):
    web = _web(sandbox)
    for app in seeded["oozie"]["apps"]:
        for rel in app["files"]:
            assert web.status(f"{app['path']}/{rel}")["type"] == "FILE"
    with web.read(seeded["ranger"]["hdfs_path"]) as r:
        export = json.loads(r.read())
    assert len(export["policies"]) == seeded["ranger"]["policies"]
    assert Path(seeded["ranger"]["local_path"]).read_bytes() == ranger_export.render(export)


@pytest.mark.services
def test_configs_are_written_and_the_manifest_holds_no_secret(sandbox, seeded):
    hive_site = Path(seeded["configs"]["hive_conf_dir"]) / "hive-site.xml"
    secret = _props(hive_site.read_bytes())[site_configs.SECRET_PROPERTY]
    assert secret and secret not in json.dumps(seeded)
    assert (Path(sandbox["state_dir"]) / "seed_manifest.json").exists()
