"""`sandbox up|status|down|env`: start the services in dependency order, wait for health, write the
connection file, and stop only the processes this sandbox started."""
from __future__ import annotations

import fcntl
import inspect
import json
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import logs
from ..errors import ConfigError, OkdpError
from . import deps, hdfs, health, metastore, postgres, seaweed, thriftserver
from .ports import allocate
from .state import State, resolve_dir, write_private_json

log = logs.get("sandbox")


@dataclass(frozen=True)
class Service:
    name: str
    ports: tuple[str, ...]
    healthy: Callable[[State], bool]
    timeout: float
    stop_signal: int = 15  # SIGTERM


SERVICES = (
    Service("postgres", ("postgres",), postgres.healthy, 60, stop_signal=2),  # SIGINT: fast shutdown
    Service("namenode", ("nn_rpc", "nn_http"), hdfs.namenode_healthy, 150),
    Service("datanode", ("dn_data", "dn_http", "dn_ipc"), hdfs.datanode_healthy, 150),
    Service("seaweedfs", seaweed.PORTS, seaweed.healthy, 90),
    Service("metastore", ("metastore",), metastore.healthy, 180),
    Service("thriftserver", ("hiveserver2",), thriftserver.healthy, 300),
)
BY_NAME = {s.name: s for s in SERVICES}


def active(st: State) -> list[Service]:
    return [s for s in SERVICES if st.postgres or s.name != "postgres"]


@contextmanager
def locked(d: Path):
    """One `up`/`down` at a time per state dir (two test sessions may start together)."""
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def is_healthy(st: State, svc: Service) -> bool:
    if not st.proc(svc.name).alive() or not all(p in st.ports for p in svc.ports):
        return False
    try:
        return bool(svc.healthy(st))
    except Exception:
        return False


def check_dependencies(st: State) -> None:
    """Fail before starting anything, with the command that installs what is missing."""
    checks = [deps.java, deps.hadoop_jars_dir, deps.jersey1_jars, deps.pyspark_home, deps.weed]
    if st.postgres:
        checks += [deps.postgres_bin, deps.postgres_jdbc_jar]
    for check in checks:
        check()


def up(directory=None, seed: bool = False, use_postgres: bool | None = None) -> dict:
    d = resolve_dir(directory)
    with locked(d):
        st = State.load(d)
        backend_changed = use_postgres is not None and st.exists() and use_postgres != st.postgres
        if use_postgres is not None:
            st.postgres = use_postgres
        st.ensure_credentials()
        check_dependencies(st)
        healthy = {s.name for s in active(st) if is_healthy(st, s)}
        if backend_changed:
            healthy -= {"metastore", "thriftserver"}
        _stop_all_but(st, healthy)  # half-dead or stale services restart; their ports become free again
        old_ports = dict(st.ports)
        wanted = [p for s in active(st) for p in s.ports]
        st.ports = allocate(wanted, keep=old_ports,
                            in_use_ok=[p for s in active(st) if s.name in healthy for p in s.ports])
        if healthy and any(old_ports.get(p) not in (None, st.ports[p]) for p in wanted):
            log.info("ports changed (a port was taken while the sandbox was down): restarting every service")
            healthy = set()
            _stop_all_but(st, healthy)
        st.save()
        write_configs(st)
        write_env(st)
        if healthy:
            log.info("reusing healthy: %s", ", ".join(sorted(healthy)))
        _start_all(st, healthy)
        env = read_env(d)
        if seed and seed_once(st, env) is not None:
            write_env(st)
            env = read_env(d)
        return env


def _stop_all_but(st: State, keep: set[str]) -> None:
    for s in reversed(SERVICES):
        if s.name not in keep:
            st.proc(s.name).stop(s.stop_signal)


def _start_all(st: State, healthy: set[str]) -> None:
    def need(name):
        return name in {s.name for s in active(st)} and name not in healthy

    t0 = time.monotonic()
    # Start what has no dependency at once; the JVMs warm up while we wait on their dependencies.
    if need("postgres"):
        log.info("starting postgres")
        postgres.start(st)
    if need("seaweedfs"):
        log.info("starting SeaweedFS (S3 + Iceberg REST)")
        seaweed.start(st)
    if need("namenode"):
        log.info("starting HDFS namenode")
        hdfs.start_namenode(st)
    if need("datanode"):
        log.info("starting HDFS datanode")
        hdfs.start_datanode(st)
    started_once = st.dir / "hive" / "metastore.started"
    if need("metastore"):
        if st.postgres:
            _wait(st, "postgres")
            postgres.create_database(st)
            metastore.create_schema_if_needed(st, log)
        if not started_once.exists():  # its first start creates the default database's directory in HDFS
            _wait(st, "namenode")
            _wait(st, "datanode")
        log.info("starting Hive Metastore")
        metastore.start(st)
    _wait(st, "namenode")
    _wait(st, "datanode")
    skeleton_done = st.dir / "hdfs" / "skeleton.done"
    if not skeleton_done.exists():
        hdfs.create_skeleton(st)
        skeleton_done.write_text("ok\n")
    if need("thriftserver"):  # it retries the metastore while that one is still starting
        log.info("starting Spark Thrift Server (HiveServer2 protocol)")
        thriftserver.start(st)
    _wait(st, "metastore")
    started_once.write_text("ok\n")
    _wait(st, "seaweedfs")
    _wait(st, "thriftserver")
    log.info("sandbox healthy in %.0fs: %s", time.monotonic() - t0, st.dir)


def _wait(st: State, name: str) -> None:
    svc = BY_NAME[name]
    if name == "postgres" and not st.postgres:
        return
    t0 = time.monotonic()
    health.wait_for(name, lambda: svc.healthy(st), st.proc(name), svc.timeout)
    log.debug("%s healthy (waited %.1fs)", name, time.monotonic() - t0)


def write_configs(st: State) -> None:
    hdfs.write_conf(st)
    metastore.write_conf(st)


def env_of(st: State) -> dict:
    env = {"state_dir": str(st.dir), "config_dir": str(st.conf_dir),
           "warehouse_dirs": [hdfs.WAREHOUSE_MANAGED, hdfs.WAREHOUSE_EXTERNAL]}
    for part in (hdfs.env(st), metastore.env(st), thriftserver.env(st), seaweed.env(st)):
        env.update(part)
    env.update(_seeded_sources(st))
    return env


def _seeded_sources(st: State) -> dict:
    """Once seeded, point scans at the estate's Ranger export (a file: no Ranger server runs here)."""
    try:
        manifest = json.loads((st.dir / "seed_manifest.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}
    ranger = (manifest.get("ranger") or {}).get("local_path")
    return {"ranger_export_files": [ranger]} if ranger else {}


def write_env(st: State) -> None:
    write_private_json(st.dir / "env.json", env_of(st))


def read_env(directory=None) -> dict:
    d = resolve_dir(directory)
    try:
        return json.loads((d / "env.json").read_text())
    except FileNotFoundError:
        raise ConfigError("no sandbox here", obj=str(d), fix="run 'okdp-migrate sandbox up' (or pass --dir)") from None


def seed_once(st: State, env: dict) -> dict | None:
    """Load the TDP-like warehouse once; the marker file makes a second `up --seed` a no-op."""
    if st.seed_marker.exists():
        log.info("already seeded (%s)", st.seed_marker)
        return None
    try:
        from .seed import seed as seed_fn
    except ImportError as exc:
        raise OkdpError(f"the seed module is not available ({exc})", obj="okdp_migrate.sandbox.seed",
                        fix="reinstall okdp-migrate (pip install -e .)") from exc
    t0 = time.monotonic()
    log.info("seeding the TDP-like warehouse")
    nparams = len(inspect.signature(seed_fn).parameters)
    manifest = seed_fn(env, log) if nparams >= 2 else seed_fn(env)
    st.seed_marker.write_text(json.dumps({"seconds": round(time.monotonic() - t0, 1)}) + "\n")
    log.info("seeded in %.0fs", time.monotonic() - t0)
    return manifest


def status(directory=None) -> list[dict]:
    d = resolve_dir(directory)
    st = State.load(d)
    if not st.exists():
        raise ConfigError("no sandbox here", obj=str(d), fix="run 'okdp-migrate sandbox up' (or pass --dir)")
    rows = []
    for s in active(st):
        proc = st.proc(s.name)
        rows.append({"service": s.name, "pid": proc.pid(), "healthy": is_healthy(st, s),
                     "ports": {p: st.ports.get(p) for p in s.ports[:3]}, "log": str(proc.log_file)})
    return rows


def down(directory=None, purge: bool = False) -> list[str]:
    d = resolve_dir(directory)
    st = State.load(d)
    stopped = []
    with locked(d):
        for s in reversed(SERVICES):
            if st.proc(s.name).stop(s.stop_signal):
                stopped.append(s.name)
        if purge:
            if st.postgres or (d / "postgres").is_symlink():
                postgres.purge(st)
            shutil.rmtree(d, ignore_errors=True)
    return stopped


def peak_rss(directory=None) -> dict[str, int]:
    from .procs import rss_bytes

    st = State.load(resolve_dir(directory))
    return {s.name: rss_bytes(pid) for s in active(st) if (pid := st.proc(s.name).pid())}


def stop_services(names, directory=None) -> list[str]:
    """Stop only the named services (the test fixture stops exactly what it started)."""
    d = resolve_dir(directory)
    st = State.load(d)
    stopped = []
    with locked(d):
        for s in reversed(SERVICES):
            if s.name in names and st.proc(s.name).stop(s.stop_signal):
                stopped.append(s.name)
    return stopped


def healthy_services(directory=None) -> set[str]:
    st = State.load(resolve_dir(directory))
    return {s.name for s in active(st) if st.exists() and is_healthy(st, s)}
