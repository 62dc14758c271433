"""`sandbox up --seed`: a TDP-like warehouse loaded through the sandbox's real services.

seed(env) runs the steps below in order, each failing with one line that names it, then reads
back what landed (metastore + NameNode) into a manifest, written as <state_dir>/seed_manifest.json.
A complete manifest there makes a second call a no-op.
"""
from __future__ import annotations

import json
import logging
import os
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from ...errors import OkdpError, PartialFailure, ServiceUnreachable
from . import hive_load, manifest, oozie_apps, raw_data, ranger_export, site_configs
from .hdfs_ops import SeedFs
from .layout import OWNERSHIP
from .warehouse import TABLES

SNAPSHOT_NAME = "seed-20240301"


class _Seeder:
    def __init__(self, env: dict, log: logging.Logger):
        self.env, self.log = env, log
        self.state_dir = Path(env["state_dir"]) if env.get("state_dir") else None
        self.fs: SeedFs | None = None
        self.steps: dict[str, float] = {}
        self.raw_rows: dict[str, int] = {}
        self.out: dict = {}

    def step(self, name: str, fn: Callable[[], object]) -> None:
        t0 = time.monotonic()
        self.log.info("seed: %s", name)
        try:
            fn()
        except OkdpError:
            raise
        except Exception as exc:
            cls = ServiceUnreachable if _is_connection_error(exc) else PartialFailure
            raise cls(f"seed step '{name}' failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}",
                      obj="sandbox seed",
                      fix="check 'okdp-migrate sandbox status' and the service logs in the sandbox dir, "
                          "then rerun 'okdp-migrate sandbox up --seed' (steps are rerunnable)") from exc
        self.steps[name] = round(time.monotonic() - t0, 2)

    # --- steps ---------------------------------------------------------------------------------
    def connect(self) -> None:
        self.fs = SeedFs(self.env)
        self.out["hdfs_superuser"] = self.fs.superuser()

    def hive_tables(self) -> None:
        hive_load.load_tables(self.env, self.fs.delete, lambda name, s: self.log.debug("seed: %s in %.1fs", name, s))

    def acid_table(self) -> None:
        batch = raw_data.acid_table(random.Random(raw_data.SEED + 1))
        self.fs.delete(raw_data.ACID_LOCATION)
        self.fs.write_many(batch.files)
        hive_load.create_acid_table(self.env, f"hdfs://{self.env['namenode_rpc']}")
        self.raw_rows[batch.name] = batch.rows

    def raw_files(self) -> None:
        batches = [fn(random.Random(raw_data.SEED + i)) for i, fn in enumerate(
            (raw_data.app_logs_csv, raw_data.customers_import, raw_data.small_files, raw_data.orphans,
             raw_data.hbase, raw_data.spark_history, raw_data.user_homes), start=10)]
        for b in batches:
            self.fs.write_many(b.files)
            if b.rows is not None:
                self.raw_rows[b.name] = b.rows
        small = next(b for b in batches if b.name == "logs.clickstream_raw")
        self.out["small_files"] = {"path": raw_data.SMALL_FILES_DIR, "files": len(small.files), "rows": small.rows}
        self.out["raw_batches"] = {b.name: {"files": len(b.files), "bytes": b.bytes, "rows": b.rows} for b in batches}

    def oozie(self) -> None:
        hs2 = f"jdbc:hive2://{self.env['hiveserver2_host']}:{self.env['hiveserver2_port']}/default"
        apps = oozie_apps.build_apps(f"hdfs://{self.env['namenode_rpc']}", "127.0.0.1:8050", hs2)
        files = [(f"{d}/{rel}", data) for d, fs in apps.items() for rel, data in fs.items()]
        self.fs.write_many(files)
        every = [rel.rsplit("/", 1)[-1] for fs in apps.values() for rel in fs]
        self.out["oozie"] = {
            "root": oozie_apps.APPS_ROOT,
            "apps": [{"path": d, "kind": oozie_apps.app_kind(fs), "files": sorted(fs)} for d, fs in apps.items()],
            "workflows": every.count("workflow.xml"), "coordinators": every.count("coordinator.xml"),
            "bundles": every.count("bundle.xml"), "job_properties": every.count("job.properties"),
            "hql_scripts": sum(1 for n in every if n.endswith(".hql")),
        }

    def ranger(self) -> None:
        export = ranger_export.build_export()
        data = ranger_export.render(export)
        self.fs.write(ranger_export.EXPORT_PATH, data)
        local = None
        if self.state_dir:
            local = self.state_dir / "ranger" / Path(ranger_export.EXPORT_PATH).name
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
        pols = export["policies"]
        self.out["ranger"] = {
            "hdfs_path": ranger_export.EXPORT_PATH, "local_path": str(local) if local else None,
            "policies": len(pols), "services": sorted({p["service"] for p in pols}),
            "by_service": {s: sum(p["service"] == s for p in pols) for s in sorted({p["service"] for p in pols})},
            "masking": sum(p["policyType"] == 1 for p in pols), "row_filter": sum(p["policyType"] == 2 for p in pols),
            "with_deny": sum(bool(p["denyPolicyItems"]) for p in pols),
        }

    def configs(self) -> None:
        if not self.state_dir:
            self.out["configs"] = None
            return
        files = site_configs.build_configs(self.env, secrets.token_urlsafe(18))
        for rel, data in files.items():
            p = self.state_dir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            os.chmod(p, 0o600 if b"ConnectionPassword" in data else 0o644)
        self.out["configs"] = {
            "hadoop_conf_dir": str(self.state_dir / site_configs.HADOOP_CONF),
            "hive_conf_dir": str(self.state_dir / site_configs.HIVE_CONF),
            "files": sorted(files),
            "secret_properties": [{"file": f"{site_configs.HIVE_CONF}/hive-site.xml",
                                   "name": site_configs.SECRET_PROPERTY}],
        }

    def dangling(self) -> None:
        dangling = [t for t in TABLES if t.dangling]
        for t in dangling:
            self.fs.delete(_location_path(t.ddl))
        self.out["dangling_tables"] = [t.full_name for t in dangling]

    def owners(self) -> None:
        hive_load.set_owners(self.env)
        self.out["ownership_entries_changed"] = self.fs.apply_ownership(OWNERSHIP)

    def snapshot(self) -> None:
        """Snapshot the data dir, then change it, so the snapshot holds bytes the live tree does not."""
        root = self.env.get("hdfs_snapshot_dir") or "/data"
        doomed, late = f"{root}/raw/tmp/superseded_extract.csv", f"{root}/raw/exports/after_snapshot.csv"
        self.fs.write(doomed, b"id,value\n" + b"".join(b"%d,%d\n" % (i, i * i) for i in range(500)))
        before = self.fs.summary(root)
        snap = self.fs.create_snapshot(root, SNAPSHOT_NAME)
        self.fs.delete(doomed)
        self.fs.write(late, b"id,value\n1,1\n")
        self.out["snapshot"] = {"path": root, "name": SNAPSHOT_NAME, "snapshot_path": snap,
                                "files_at_snapshot": before["files"], "bytes_at_snapshot": before["bytes"],
                                "deleted_after": [doomed], "created_after": [late]}

    def read_back(self) -> None:
        dbs, tables, views = manifest.read_tables(self.env, self.fs, self.raw_rows)
        self.out.update(databases=dbs, tables=tables, views=views,
                        partitions_total=sum(t["partitions"] for t in tables),
                        directories=manifest.read_dirs(self.fs), ownership=manifest.read_ownership(self.fs),
                        orphan_dirs=manifest.orphan_dirs(self.fs))
        self.out["small_files"].update(self.fs.summary(raw_data.SMALL_FILES_DIR))
        self.out["hbase"] = {"root": raw_data.HBASE_ROOT, "tables": ["default:user_sessions", "telemetry:device_metrics"],
                             **self.fs.summary(raw_data.HBASE_ROOT)}

    def run(self) -> dict:
        t0 = time.monotonic()
        self.step("connect", self.connect)
        self.step("configs", self.configs)
        # HDFS-only writes wait on the NameNode/DataNode while Spark burns the CPU: overlap them.
        with ThreadPoolExecutor(1) as side:
            hdfs_only = side.submit(lambda: [self.step(n, f) for n, f in (
                ("raw files", self.raw_files), ("oozie apps", self.oozie), ("ranger export", self.ranger))])
            self.step("hive tables", self.hive_tables)
            hdfs_only.result()
        for name, fn in (("acid table", self.acid_table), ("dangling table", self.dangling),
                         ("owners and permissions", self.owners), ("snapshot", self.snapshot),
                         ("read back", self.read_back)):
            self.step(name, fn)
        return {"version": manifest.VERSION, "complete": True,
                "seeded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - t0, 1), "steps": self.steps,
                "namenode_rpc": self.env["namenode_rpc"], **self.out}


def _location_path(ddl: str) -> str:
    return ddl.rsplit("LOCATION '", 1)[1].split("'", 1)[0]


def _is_connection_error(exc: BaseException) -> bool:
    names = {"TTransportException", "ConnectionError", "ConnectionRefusedError", "HdfsError", "TimeoutError"}
    while exc is not None:
        if type(exc).__name__ in names or isinstance(exc, ConnectionError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def manifest_path(env: dict) -> Path | None:
    return Path(env["state_dir"]) / manifest.MANIFEST_NAME if env.get("state_dir") else None


def load_manifest(env: dict) -> dict | None:
    """The manifest of a complete seed of this sandbox, or None."""
    p = manifest_path(env)
    try:
        data = json.loads(p.read_text()) if p else None
    except (OSError, ValueError):
        return None
    return data if data and data.get("complete") else None


def seed(env: dict, log: logging.Logger | None = None) -> dict:
    """Seed the sandbox described by `env` (the dict of `sandbox env --json`); return the manifest."""
    log = log or logging.getLogger("okdp_migrate.sandbox.seed")
    with _exclusive(env, log):  # two seeds at once would drop each other's tables mid-write
        done = load_manifest(env)
        if done:
            log.info("seed: already seeded (%s)", manifest_path(env))
            return done
        out = _Seeder(env, log).run()
        p = manifest_path(env)
        if p:
            tmp = p.with_suffix(".tmp")
            tmp.write_text(json.dumps(out, indent=2) + "\n")
            tmp.replace(p)
    log.info("seed: done in %.0fs", out["seconds"])
    return out


@contextmanager
def _exclusive(env: dict, log: logging.Logger) -> Iterator[None]:
    """Serialise seeds of one sandbox: a second caller waits, then finds the manifest complete."""
    if not env.get("state_dir"):
        yield
        return
    import fcntl

    with open(Path(env["state_dir"]) / "seed.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("seed: another seed of this sandbox is running; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
