"""Plans too big for a ConfigMap ship through the bucket: `copy PLAN --emit k8s/--apply` uploads the plan under
_okdp_migrate/<plan-id>/plan/ and the pods run `copy s3://.../plan.yaml --shard I/N`. Services tests use the shared
sandbox's real HDFS and SeaweedFS S3; the Kubernetes API is the FAKE server of tests/test_k8s_job.py."""
from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import google_crc32c
import pytest
import yaml
from copy_helpers import assert_objects_match, make_plan, objects_under, write_config, write_hdfs_files
from okdp_migrate.cli import main
from okdp_migrate.copy import crc
from okdp_migrate.errors import ExitCode
from okdp_migrate.plan import FileEntry, MappingRule, Plan, load, save
from okdp_migrate.rules import k8s_job
from test_copy_services import env  # noqa: F401 - the running sandbox's settings (module fixture)
from test_k8s_job import _validate, fake_api  # noqa: F401 - schema check and the FAKE Kubernetes API

ROOT = "/warehouse/tablespace/external/hive/sales.db/orders"


def _unique() -> str:
    return uuid.uuid4().hex[:10]


def _run(args, capsys):
    capsys.readouterr()
    code = main(["--json", *args])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip().startswith("{") else {}
    return code, out, captured.err.strip()


def _big_plan(path: Path, target: str, count: int = 60_000, shards: int = 8) -> Path:
    """A plan of `count` files with realistic (incompressible) names: its sidecar alone is over ~1 MiB in base64."""
    rnd = random.Random(count)
    files = [FileEntry(src=f"{ROOT}/dt=2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}/part-{i:05d}-"
                           f"{uuid.UUID(int=rnd.getrandbits(128)).hex}.c000.snappy.parquet",
                       size=1000 + i, mtime=1_700_000_000_000 + i, shard=i % shards, table="sales.orders",
                       owner="hive", group="hadoop", permission="644") for i in range(count)]
    save(Plan(target=target, mappings=[MappingRule(ROOT, target)], tables={}, shard_count=shards, files=files), path)
    return path


def _small_plan(path: Path, target: str, count: int = 6) -> Path:
    files = [FileEntry(src=f"{ROOT}/f{i}", size=10 + i, mtime=1, shard=i % 2) for i in range(count)]
    save(Plan(target=target, mappings=[MappingRule(ROOT, target)], tables={}, shard_count=2, files=files), path)
    return path


def _s3(settings):
    from okdp_migrate.connectors import s3

    return s3.make_client({"endpoint": settings["s3_endpoint"], "access_key": settings["s3_access_key"],
                           "secret_key": settings["s3_secret_key"]})


def _bucket(settings) -> str:
    return settings.get("s3_bucket") or "okdp-lake"


def _drop(client, bucket: str, prefix: str) -> None:
    for key in objects_under(client, bucket, prefix):
        client.delete_object(Bucket=bucket, Key=key)


def _emit(plan: Path, cfg: Path, out: Path, capsys, *flags):
    code, result, err = _run(["--config", str(cfg), "copy", str(plan), "--emit", "k8s", "--out", str(out),
                              "--image", "registry.local/okdp-migrate:0.1", *flags], capsys)
    assert code == ExitCode.OK, err
    cm, job = yaml.safe_load_all((out / "all.yaml").read_text())
    return result, cm, job


def _args(job) -> list[str]:
    return job["spec"]["template"]["spec"]["containers"][0]["args"]


# --- pure: the manifests --------------------------------------------------------------------------------------
@pytest.mark.unit
def test_plan_in_bucket_manifests_validate_name_the_url_and_keep_only_settings(tmp_path):
    from okdp_migrate.config import load as load_config
    from okdp_migrate.k8s_run import build

    plan = _small_plan(tmp_path / "wave1.yaml", "s3://lake/wave1")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("s3_endpoint: http://seaweedfs:8333\ns3_access_key: AK\ns3_secret_key: never-written\n")
    cm, job, spec = build(plan, "img:1", config=load_config(cfg, env={}), plan_in_bucket=True)
    _validate(cm, "configmap-v1.json")
    _validate(job, "job-batch-v1.json")
    assert spec.plan_url == f"s3://lake/_okdp_migrate/{spec.plan_id}/plan/wave1.yaml"
    args = _args(job)
    assert args[args.index("copy") + 1] == spec.plan_url and "--journal" in args
    assert set(cm["data"]) == {"okdp-migrate.yaml"} and "binaryData" not in cm
    assert "s3.endpoint: http://seaweedfs:8333" in cm["data"]["okdp-migrate.yaml"]
    pod_env = job["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"] for e in pod_env if "secretKeyRef" in e.get("valueFrom", {})}
    assert refs == {"OKDP_MIGRATE_S3_ACCESS_KEY", "OKDP_MIGRATE_S3_SECRET_KEY"}  # the pods can fetch the plan
    assert job["metadata"]["annotations"]["okdp-migrate/plan-url"] == spec.plan_url
    assert "never-written" not in json.dumps([cm, job])
    # without the flag the same small plan still travels in the ConfigMap
    cm2, job2, spec2 = build(plan, "img:1", config=load_config(cfg, env={}))
    assert spec2.plan_url is None and "wave1.yaml" in cm2["data"] and _args(job2)[3] == "/plan/wave1.yaml"


@pytest.mark.unit
def test_a_url_outside_the_plan_layout_is_one_line_bad_input(tmp_path, capsys):
    code, _, err = _run(["copy", "s3://lake/somewhere/plan.yaml", "--shard", "0/2", "--journal",
                         str(tmp_path / "j")], capsys)
    assert code == ExitCode.BAD_INPUT and "\n" not in err and "s3://lake/somewhere/plan.yaml" in err
    assert not (tmp_path / "j").exists()
    code, _, err = _run(["copy", "s3://lake/_okdp_migrate/p-1/plan/p.yaml", "--emit", "k8s", "--image", "i"], capsys)
    assert code == ExitCode.BAD_INPUT and "local plan" in err


@pytest.mark.unit
def test_a_plan_for_the_bucket_without_s3_settings_is_a_config_error_before_any_manifest(tmp_path, capsys,
                                                                                        monkeypatch):
    for var in ("OKDP_MIGRATE_CONFIG", "OKDP_MIGRATE_S3_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    plan = _small_plan(tmp_path / "p.yaml", "s3://lake/p")
    code, _, err = _run(["copy", str(plan), "--emit", "k8s", "--out", str(tmp_path / "k8s"), "--image", "i:1",
                         "--plan-in-bucket"], capsys)
    assert code == ExitCode.CONFIG and "\n" not in err and "s3.endpoint" in err
    assert not (tmp_path / "k8s").exists()


# --- services: the sandbox's SeaweedFS ------------------------------------------------------------------------
@pytest.mark.services
def test_a_plan_over_the_configmap_limit_ships_through_the_bucket(env, tmp_path, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    bucket, client = _bucket(env), _s3(env)
    plan = _big_plan(tmp_path / "big" / "plan.yaml", f"s3://{bucket}/k8s-big-{_unique()}")
    side = plan.with_name(plan.name + ".files.parquet")
    inside = k8s_job.plan_size_in_configmap(plan.stat().st_size, side.stat().st_size, 200)
    assert inside > k8s_job.CONFIGMAP_LIMIT  # the ConfigMap route would be refused by the API server
    cfg = write_config(tmp_path / "cfg.json", env)
    result, cm, job = _emit(plan, cfg, tmp_path / "k8s", capsys)  # no flag: the size decides
    url = result["plan_url"]
    pid = job["metadata"]["annotations"]["okdp-migrate/plan-id"]
    try:
        assert url == f"s3://{bucket}/_okdp_migrate/{pid}/plan/plan.yaml"
        assert k8s_job.configmap_size(cm) < k8s_job.CONFIGMAP_LIMIT and set(cm["data"]) == {"okdp-migrate.yaml"}
        _validate(cm, "configmap-v1.json")
        _validate(job, "job-batch-v1.json")
        assert _args(job)[_args(job).index("copy") + 1] == url
        assert env["s3_secret_key"] not in (tmp_path / "k8s" / "all.yaml").read_text()
        for local, key in ((side, f"_okdp_migrate/{pid}/plan/plan.yaml.files.parquet"),
                           (plan, f"_okdp_migrate/{pid}/plan/plan.yaml")):
            h = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            want = google_crc32c.value(local.read_bytes())
            assert h["ContentLength"] == local.stat().st_size and h["ChecksumCRC32C"] == crc.to_b64(want), key
        assert [o["uploaded"] for o in result["plan_in_bucket"]["objects"]] == [True, True]
        # a pod's view: the URL, one shard, dry run -> the same files as the local plan's shard
        code, out, err = _run(["--config", str(cfg), "copy", url, "--dry-run", "--shard", "3/8"], capsys)
        assert code == ExitCode.OK, err
        local_shard = [i.dst_url for i in load(plan).items(shard=(3, 8))]
        assert out["files_planned"] == len(local_shard) == 7500 and out["plan"] == url
        assert [i["dst"] for i in out["items"]] == local_shard
        assert not (tmp_path / "home").exists()  # --dry-run keeps nothing
        # emitted again: nothing re-uploaded (same bytes, same CRC32C)
        again, _, _ = _emit(plan, cfg, tmp_path / "k8s2", capsys)
        assert [o["uploaded"] for o in again["plan_in_bucket"]["objects"]] == [False, False]
    finally:
        _drop(client, bucket, f"_okdp_migrate/{pid}/")


@pytest.mark.services
def test_apply_uploads_the_plan_then_creates_a_settings_only_configmap(env, tmp_path, fake_api):  # noqa: F811
    from okdp_migrate.config import load as load_config
    from okdp_migrate.connectors.k8s import Kube
    from okdp_migrate.k8s_run import apply

    bucket, client = _bucket(env), _s3(env)
    plan = _small_plan(tmp_path / "p" / "wave.yaml", f"s3://{bucket}/k8s-apply-{_unique()}")
    config = load_config(write_config(tmp_path / "cfg.json", env), env={})
    api, state = fake_api
    result = apply(plan, "img:1", "migration", config=config, kube=Kube.connect(host=api), poll_seconds=0,
                   plan_in_bucket=True)
    prefix = result["plan_url"].split(f"s3://{bucket}/")[1].rsplit("/", 1)[0] + "/"
    try:
        assert result["state"] == "complete"
        (cm,) = state["configmaps"].values()
        (job,) = state["jobs"].values()
        assert set(cm["data"]) == {"okdp-migrate.yaml"} and result["plan_url"] in _args(job)
        assert sorted(objects_under(client, bucket, prefix)) == [prefix + "wave.yaml", prefix + "wave.yaml.files.parquet"]
    finally:
        _drop(client, bucket, prefix)


@pytest.mark.services
def test_a_replaced_or_missing_plan_is_refused_and_nothing_is_left_locally(env, tmp_path, capsys):  # noqa: F811
    bucket, client = _bucket(env), _s3(env)
    target = f"s3://{bucket}/k8s-tamper-{_unique()}"
    plan = _small_plan(tmp_path / "a" / "plan.yaml", target)
    cfg = write_config(tmp_path / "cfg.json", env)
    result, _, _ = _emit(plan, cfg, tmp_path / "k8s", capsys, "--plan-in-bucket")
    url = result["plan_url"]
    prefix = url.split(f"s3://{bucket}/")[1].rsplit("/", 1)[0] + "/"
    journal = tmp_path / "journal"
    try:
        code, out, err = _run(["--config", str(cfg), "copy", url, "--dry-run", "--shard", "0/2"], capsys)
        assert code == ExitCode.OK and out["files_planned"] == 3, err
        # another plan put in its place (same name, another target: another plan id)
        other = _small_plan(tmp_path / "b" / "plan.yaml", target + "-other", count=7)
        for f in (other.with_name("plan.yaml.files.parquet"), other):
            client.put_object(Bucket=bucket, Key=prefix + f.name, Body=f.read_bytes())
        code, _, err = _run(["--config", str(cfg), "copy", url, "--shard", "0/2", "--journal", str(journal)], capsys)
        assert code == ExitCode.BAD_INPUT and "\n" not in err and url in err and "re-emit the Job" in err
        assert not journal.exists()
        # only the file list swapped: the YAML's checksum refuses it
        client.put_object(Bucket=bucket, Key=prefix + "plan.yaml", Body=plan.read_bytes())
        code, _, err = _run(["--config", str(cfg), "copy", url, "--shard", "0/2", "--journal", str(journal)], capsys)
        assert code == ExitCode.BAD_INPUT and url in err and "checksum" in err and not journal.exists()
        # missing: a plan id nobody published
        missing = url.replace(url.split("/")[4], "plan-000000000000")
        code, _, err = _run(["--config", str(cfg), "copy", missing, "--shard", "0/2", "--journal", str(journal)],
                            capsys)
        assert code == ExitCode.BAD_INPUT and missing in err and "not in the bucket" in err and not journal.exists()
        # credentials refused -> 6, S3 unreachable -> 5, one line each, nothing written
        bad = write_config(tmp_path / "bad.json", env, s3_secret_key="wrong-" + _unique())
        code, _, err = _run(["--config", str(bad), "copy", url, "--shard", "0/2", "--journal", str(journal)], capsys)
        assert code == ExitCode.AUTH and "\n" not in err and not journal.exists()
        down = write_config(tmp_path / "down.json", env, s3_endpoint="http://127.0.0.1:9")
        code, _, err = _run(["--config", str(down), "copy", url, "--shard", "0/2", "--journal", str(journal)], capsys)
        assert code == ExitCode.UNREACHABLE and "\n" not in err and not journal.exists()
    finally:
        _drop(client, bucket, prefix)


@pytest.mark.services
def test_end_to_end_real_hdfs_files_copied_by_a_pod_command_from_the_plan_url(env, tmp_path, capsys,  # noqa: F811
                                                                              monkeypatch):
    """What one pod of the Job runs, here in-process: `copy s3://.../plan.yaml --shard 0/1` (no --journal:
    the plan and its journal go to a stable directory under $HOME, so the rerun resumes)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    bucket, client, tag = _bucket(env), _s3(env), _unique()
    root, prefix = f"/tmp/okdp-k8s-bucket-test/{tag}", f"k8s-e2e-{tag}"
    contents = write_hdfs_files(env, root, {"a.bin": 1000, "b.bin": 70_000, "sub/c.bin": 3})
    plan = make_plan(env, root, f"s3://{bucket}/{prefix}", tmp_path / "plan" / "plan.yaml")
    cfg = write_config(tmp_path / "cfg.json", env)
    result, _, job = _emit(plan, cfg, tmp_path / "k8s", capsys, "--plan-in-bucket")
    url = result["plan_url"]
    pid = job["metadata"]["annotations"]["okdp-migrate/plan-id"]
    try:
        code, out, err = _run(["--config", str(cfg), "copy", url, "--shard", "0/1"], capsys)
        assert code == ExitCode.OK, err
        assert (out["files_copied"], out["files_verified"], out["files_failed"]) == (3, 3, 0)
        assert out["plan"] == url
        assert_objects_match(client, bucket, prefix, contents, root)
        local = tmp_path / "home" / ".okdp-migrate" / "plans" / pid
        assert (local / "plan.yaml").exists() and (local / "plan.yaml.journal").is_dir()
        code, out, err = _run(["--config", str(cfg), "copy", url, "--shard", "0/1"], capsys)
        assert code == ExitCode.OK and (out["files_copied"], out["files_skipped"]) == (0, 3), err
    finally:
        _drop(client, bucket, prefix + "/")
        _drop(client, bucket, f"_okdp_migrate/{pid}/")
