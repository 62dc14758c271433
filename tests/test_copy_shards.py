"""Sharded copies (one journal per shard, as the pods of the Kubernetes Indexed Job have) commit the
tables that span shards: the last shard to finish, or `copy --commit-only`, from the manifests every
shard publishes in the bucket. Services tests run against the shared sandbox's real HDFS, S3 (SeaweedFS)
and Iceberg REST catalog; nothing here is faked."""
from __future__ import annotations

import io
import json
import threading
import uuid
from pathlib import Path

import pytest
from copy_helpers import hdfs_client, objects_under, write_config
from okdp_migrate.cli import main
from okdp_migrate.errors import BadInputError, ExitCode
from test_copy_services import env  # noqa: F401 - the running sandbox's settings (module fixture)


def _unique() -> str:
    return uuid.uuid4().hex[:8]


def _run(args, capsys):
    capsys.readouterr()
    code = main(["--json", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip().startswith("{") else {})


def _save_plan(path: Path, files, tables, target: str, root: str, shards: int = 2) -> Path:
    from okdp_migrate import plan as planmod
    from okdp_migrate.plan import MappingRule, Plan

    planmod.save(Plan(target=target, mappings=[MappingRule(root, target)], tables=tables, shard_count=shards,
                      files=files), path)
    return path


# --- pure ---------------------------------------------------------------------------------------------------
@pytest.mark.unit
def test_plan_id_is_stable_and_differs_between_plans_over_the_same_files(tmp_path):
    from okdp_migrate import plan as planmod
    from okdp_migrate.copy.shards import plan_id
    from okdp_migrate.plan import FileEntry

    files = [FileEntry(src=f"/d/f{i}", size=10, mtime=1, shard=i % 2) for i in range(4)]
    a = _save_plan(tmp_path / "a.yaml", files, {}, "s3://lake/a", "/d")
    (tmp_path / "b").mkdir()
    b = _save_plan(tmp_path / "b" / "a.yaml", files, {}, "s3://lake/b", "/d")
    ida, idb = plan_id(planmod.load(a)), plan_id(planmod.load(b))
    assert ida == plan_id(planmod.load(a)) and ida.startswith("a-")
    assert ida != idb  # same name, same files, another target: never the same records


@pytest.mark.unit
def test_shard_assignment_follows_the_plan_or_repacks_for_another_count(tmp_path):
    from okdp_migrate import plan as planmod
    from okdp_migrate.plan import FileEntry

    files = [FileEntry(src=f"/d/f{i}", size=10 + i, mtime=1, shard=i % 2) for i in range(6)]
    plan = planmod.load(_save_plan(tmp_path / "p.yaml", files, {}, "s3://lake/p", "/d"))
    assert plan.shard_assignment(2) == [0, 1, 0, 1, 0, 1]
    three = plan.shard_assignment(3)
    assert sorted(set(three)) == [0, 1, 2]
    for i in range(3):  # the same split --shard I/3 copies
        assert [it.src for it in plan.items(shard=(i, 3))] == [f.src for f, s in zip(files, three) if s == i]


@pytest.mark.unit
def test_a_shard_commits_the_tables_it_touched_and_shard_0_also_the_empty_ones(tmp_path):
    from okdp_migrate import plan as planmod
    from okdp_migrate.copy.journal import Journal
    from okdp_migrate.copy.shards import SharedJournal
    from okdp_migrate.plan import FileEntry, TablePlan

    files = [FileEntry(src=f"/d/t/f{i}", size=10, mtime=1, shard=s, table="db.t") for i, s in enumerate([0, 1])]
    files += [FileEntry(src="/d/u/f", size=10, mtime=1, shard=1, table="db.u")]
    tables = {fqn: TablePlan(fqn=fqn, kind="table", strategy="register") for fqn in ("db.t", "db.u", "db.empty")}
    plan = planmod.load(_save_plan(tmp_path / "p.yaml", files, tables, "s3://lake/p", "/d"))
    journal = Journal(tmp_path / "j")
    touched = {i: SharedJournal(journal, None, plan, (i, 2), list(plan.items(shard=(i, 2)))).tables_to_commit()
               for i in range(2)}
    assert touched == {0: {"db.t", "db.empty"}, 1: {"db.t", "db.u"}}
    assert SharedJournal(journal, None, plan, None, list(plan.items())).tables_to_commit() is None  # all


@pytest.mark.unit
@pytest.mark.parametrize("flag", [["--shard", "0/2"], ["--dry-run"], ["--no-commit"]])
def test_commit_only_with_a_copy_flag_is_one_line_bad_input(tmp_path, capsys, flag):
    from okdp_migrate.plan import FileEntry

    plan = _save_plan(tmp_path / "p.yaml", [FileEntry(src="/d/f", size=1, mtime=1)], {}, "s3://lake/p", "/d")
    assert main(["copy", str(plan), "--commit-only", *flag]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and flag[0] in err and "fix:" in err


# --- services: the shared sandbox ------------------------------------------------------------------------------
def _parquet(ids) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64()), "label": [f"row {i}" for i in ids]}), buf)
    return buf.getvalue()


class Warehouse:
    """Parquet tables written into the sandbox's HDFS, and plans over them with files split over 2 shards."""

    def __init__(self, settings, tmp_path):
        self.env, self.tmp = settings, tmp_path
        self.ns = f"shards{_unique()}"
        self.root = f"/tmp/okdp-shards-test/{self.ns}"
        self.bucket = settings.get("s3_bucket") or "okdp-lake"
        self.files, self.tables = [], {}
        self.cfg = write_config(tmp_path / "cfg.json", settings, iceberg_rest_uri=settings["iceberg_rest_uri"],
                                iceberg_warehouse=settings["iceberg_warehouse"],
                                **({"iceberg_credential": settings["iceberg_credential"]}
                                   if settings.get("iceberg_credential") else {}))

    def table(self, name: str, shards: list[int], rows_per_file: int = 5) -> str:
        from okdp_migrate.plan import FileEntry, TablePlan

        fqn, location = f"{self.ns}.{name}", f"{self.root}/{name}"
        c = hdfs_client(self.env)
        c.mkdirs(location, create_parent=True)
        for n, shard in enumerate(shards):
            path = f"{location}/part-{n:05d}.parquet"
            with c.create(path) as w:
                w.write(_parquet(range(n * rows_per_file, (n + 1) * rows_per_file)))
            st = c.get_file_info(path)
            self.files.append(FileEntry(src=path, size=st.length, mtime=st.modification_time, shard=shard,
                                        table=fqn))
        self.tables[fqn] = TablePlan(fqn=fqn, kind="table", strategy="register", format="parquet",
                                     location=location, iceberg={"namespace": self.ns, "table": name},
                                     columns=[{"name": "id", "type": "bigint"}, {"name": "label", "type": "string"}],
                                     files=len(shards))
        return fqn

    def plan(self, name: str = "plan", prefix: str | None = None) -> Path:
        target = f"s3://{self.bucket}/{prefix or 'shards-test/' + self.ns}"
        (self.tmp / name).mkdir(exist_ok=True)
        return _save_plan(self.tmp / name / "plan.yaml", self.files, self.tables, target, self.root)

    def iceberg(self, name: str):
        from okdp_migrate.config import load
        from okdp_migrate.connectors import iceberg as ice
        from okdp_migrate.iceberg_commit import _settings

        return ice.load_table(ice.open_catalog(_settings(load(self.cfg))), f"{self.ns}.{name}")


def _data_files(table) -> list[str]:
    return [t.file.file_path for t in table.scan().plan_files()]


@pytest.mark.services
def test_table_spanning_two_shards_is_committed_once_by_the_last_shard(env, tmp_path, capsys):  # noqa: F811
    wh = Warehouse(env, tmp_path)
    orders = wh.table("orders", shards=[0, 1, 0, 1])  # spans both shards
    wh.table("small", shards=[0, 0])  # complete in shard 0 alone
    plan = wh.plan()
    copy = ["--config", str(wh.cfg), "copy", str(plan)]

    code, s0 = _run([*copy, "--shard", "0/2", "--journal", str(tmp_path / "j0")], capsys)
    assert code == ExitCode.OK, s0
    assert s0["tables_committed"] == 1 and s0["files_verified"] == 4
    assert [(w["table"], w["shards"], w["files_missing"]) for w in s0["tables_waiting"]] == [(orders, [1], 2)]
    assert any(n.startswith(f"{orders}: waiting for shard 1 of 2") for n in s0["notes"]), s0["notes"]
    assert wh.iceberg("orders") is None and wh.iceberg("small").scan().to_arrow().num_rows == 10

    code, s1 = _run([*copy, "--shard", "1/2", "--journal", str(tmp_path / "j1")], capsys)
    assert code == ExitCode.OK, s1
    assert s1["tables_committed"] == 1 and s1["tables_waiting"] == []
    table = wh.iceberg("orders")
    data = table.scan().to_arrow()
    assert data.num_rows == 20 and sorted(data["id"].to_pylist()) == list(range(20))
    files = _data_files(table)
    assert len(files) == len(set(files)) == 4
    snapshot = table.current_snapshot().snapshot_id

    # shard 0 rerun, then the final step: both find the table committed and change nothing
    code, again = _run([*copy, "--shard", "0/2", "--journal", str(tmp_path / "j0")], capsys)
    assert code == ExitCode.OK and again["files_copied"] == 0 and again["tables_waiting"] == []
    code, final = _run([*copy, "--commit-only", "--journal", str(tmp_path / "j-final")], capsys)
    assert code == ExitCode.OK and final["tables_committed"] == 0 and final["files_verified"] == 6, final
    table = wh.iceberg("orders")
    assert table.current_snapshot().snapshot_id == snapshot and len(_data_files(table)) == 4


@pytest.mark.services
def test_commit_only_after_the_shards_commits_what_they_copied_and_names_what_waits(env, tmp_path, capsys):  # noqa: F811
    wh = Warehouse(env, tmp_path)
    orders = wh.table("orders", shards=[0, 1, 1])
    plan = wh.plan()
    copy = ["--config", str(wh.cfg), "copy", str(plan)]
    code, s0 = _run([*copy, "--shard", "0/2", "--journal", str(tmp_path / "j0"), "--no-commit"], capsys)
    assert code == ExitCode.OK and s0["files_verified"] == 1

    code, early = _run([*copy, "--commit-only", "--journal", str(tmp_path / "jc")], capsys)
    assert code == ExitCode.PARTIAL and early["tables_committed"] == 0  # shard 1 never ran
    assert [(w["table"], w["shards"]) for w in early["tables_waiting"]] == [(orders, [1])]
    assert any(n.startswith(f"{orders}: not committed: 2 of 3 files not verified yet, in plan shard 1 of 2")
               for n in early["notes"]), early["notes"]

    code, s1 = _run([*copy, "--shard", "1/2", "--journal", str(tmp_path / "j1"), "--no-commit"], capsys)
    assert code == ExitCode.OK and s1["tables_committed"] == 0
    code, final = _run([*copy, "--commit-only", "--journal", str(tmp_path / "jc")], capsys)
    assert code == ExitCode.OK and final["tables_committed"] == 1 and final["tables_waiting"] == []
    assert wh.iceberg("orders").scan().to_arrow().num_rows == 15


@pytest.mark.services
@pytest.mark.parametrize("table_exists", [False, True])  # both create it / both commit onto the same table
def test_two_commits_racing_on_one_table_leave_one_snapshot_without_duplicate_files(env, tmp_path, capsys,  # noqa: F811
                                                                                     table_exists):
    from okdp_migrate.config import load
    from okdp_migrate.copy.shards import commit_only

    wh = Warehouse(env, tmp_path)
    fqn = wh.table("orders", shards=[0, 1, 0, 1, 0, 1])
    plan = wh.plan()
    if table_exists:
        from okdp_migrate.connectors import iceberg as ice
        from okdp_migrate.iceberg_commit import _schema, _settings
        from okdp_migrate.rules.iceberg_schema import partition_spec

        catalog = ice.open_catalog(_settings(load(wh.cfg)))
        ice.ensure_namespace(catalog, wh.ns)
        schema = _schema(wh.tables[fqn])[0]
        ice.create_table(catalog, fqn, schema, partition_spec(schema, []), {})
    code, s = _run(["--config", str(wh.cfg), "copy", str(plan), "--no-commit"], capsys)
    assert code == ExitCode.OK and s["files_verified"] == 6
    results, barrier = {}, threading.Barrier(2)

    def last_shard(n):  # as two pods finishing together would: separate journals, same bucket records
        barrier.wait()
        results[n] = commit_only(str(plan), load(wh.cfg), str(tmp_path / f"race{n}"))

    threads = [threading.Thread(target=last_shard, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.tables_committed for r in results.values()) == [0, 1]
    assert all(r.tables_failed == 0 for r in results.values()), [r.failures for r in results.values()]
    table = wh.iceberg("orders")
    files = _data_files(table)
    assert len(files) == len(set(files)) == 6 and table.scan().to_arrow().num_rows == 30
    assert len(table.metadata.snapshots) == 1


@pytest.mark.services
def test_two_plans_into_one_bucket_keep_separate_manifests(env, tmp_path, capsys):  # noqa: F811
    from okdp_migrate import plan as planmod
    from okdp_migrate.connectors import s3
    from okdp_migrate.copy.shards import plan_id

    wh = Warehouse(env, tmp_path)
    fqn = wh.table("t", shards=[0, 1])
    plans = [wh.plan("one", f"shards-test/{wh.ns}/one"), wh.plan("two", f"shards-test/{wh.ns}/two")]
    for p in plans:
        code, s = _run(["--config", str(wh.cfg), "copy", str(p), "--no-commit"], capsys)
        assert code == ExitCode.OK and s["files_verified"] == 2
    client = s3.make_client({"endpoint": env["s3_endpoint"], "access_key": env["s3_access_key"],
                             "secret_key": env["s3_secret_key"]})
    ids = [plan_id(planmod.load(p)) for p in plans]
    assert ids[0] != ids[1]
    for pid, p in zip(ids, plans):
        key = f"_okdp_migrate/{pid}/manifests/{fqn}.json"
        assert key in objects_under(client, wh.bucket, f"_okdp_migrate/{pid}/")
        doc = json.loads(client.get_object(Bucket=wh.bucket, Key=key)["Body"].read())
        assert doc["complete"] and {f["dst"].split("/")[5] for f in doc["files"]} == {p.parent.name}


@pytest.mark.unit
def test_emitted_job_names_the_plan_id_the_pods_compute_and_the_final_step(tmp_path):
    """The pods load the plan from the ConfigMap: they must derive the same plan id (the bucket records'
    prefix) as `copy --commit-only` run next to the original plan."""
    import base64

    import yaml
    from okdp_migrate import plan as planmod
    from okdp_migrate.copy.shards import plan_id
    from okdp_migrate.k8s_run import emit
    from okdp_migrate.plan import FileEntry, TablePlan
    from test_k8s_job import _validate

    files = [FileEntry(src=f"/d/f{i}", size=10, mtime=1, shard=i % 2, table="db.t") for i in range(4)]
    tables = {"db.t": TablePlan(fqn="db.t", kind="table", strategy="register", iceberg={"namespace": "db", "table": "t"})}
    with pytest.raises(BadInputError, match="ConfigMap key"):  # the pods could not find its file list
        emit(_save_plan(tmp_path / "wave 1.yaml", files, tables, "s3://lake/w", "/d"), tmp_path / "k8s", image="i")
    plan = _save_plan(tmp_path / "wave-1.yaml", files, tables, "s3://lake/w", "/d")
    out = emit(plan, tmp_path / "k8s", image="registry.local/okdp-migrate:0.1")
    cm, job = yaml.safe_load_all(Path(out["files"][2]).read_text())
    _validate(job, "job-batch-v1.json")
    pod_dir = tmp_path / "pod-plan"  # what the pod sees at /plan
    pod_dir.mkdir()
    for key, text in cm["data"].items():
        (pod_dir / key).write_text(text)
    for key, data in cm["binaryData"].items():
        (pod_dir / key).write_bytes(base64.b64decode(data))
    pod_plan = next(p for p in pod_dir.iterdir() if p.suffix == ".yaml" and p.name != "okdp-migrate.yaml")
    expected = plan_id(planmod.load(plan))
    assert plan_id(planmod.load(pod_plan)) == expected == out["plan_id"]
    notes = job["metadata"]["annotations"]
    assert notes["okdp-migrate/plan-id"] == expected
    assert out["finalize"] == f"okdp-migrate copy {plan} --commit-only" and out["finalize"] in notes["okdp-migrate/tables"]
