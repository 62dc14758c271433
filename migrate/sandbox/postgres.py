"""PostgreSQL as the metastore's backing database (TDP keeps its metastore in PostgreSQL): a private
cluster (initdb + postgres from /usr/lib/postgresql/*/bin) on a loopback port, TCP only.

PostgreSQL refuses to run as root: when we are root it runs as the `postgres` OS user, and its data
directory lives where that user can reach it (root's home is closed), linked from the state dir."""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from ..errors import MissingDependency, ServiceUnreachable
from . import deps
from .ports import LOOPBACK
from .state import State

DB = "metastore"
OS_USER = "postgres"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        raise MissingDependency("running as root, PostgreSQL needs the 'postgres' OS user", obj=OS_USER,
                                fix="apt-get install postgresql (creates it), or use --no-postgres") from None
    return OS_USER


def base_dir(st: State) -> Path:
    """Where the cluster lives; st.dir/postgres is that directory or a link to it."""
    if _run_as() is None:
        return st.dir / "postgres"
    home = Path(pwd.getpwnam(OS_USER).pw_dir)
    return home / "okdp-migrate" / hashlib.sha1(str(st.dir).encode()).hexdigest()[:12]


def data_dir(st: State) -> Path:
    return base_dir(st) / "data"


def _chown(path: Path, user: str | None) -> None:
    if user:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def init_if_needed(st: State) -> None:
    user = _run_as()
    base = base_dir(st)
    link = st.dir / "postgres"
    if user and not link.exists():
        link.symlink_to(base)
    if (data_dir(st) / "PG_VERSION").exists():
        return
    base.mkdir(parents=True, exist_ok=True)
    for p in (base.parent, base):
        _chown(p, user)
    os.chmod(base, 0o700)
    pwfile = base / "pwfile"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(st.credentials["pg_password"] + "\n")
    _chown(pwfile, user)
    log = st.sub("logs") / "postgres-initdb.log"
    try:
        with open(log, "ab") as out:
            rc = subprocess.run([str(deps.postgres_bin() / "initdb"), "-D", str(data_dir(st)),
                                 "-U", st.credentials["pg_user"], "--auth=scram-sha-256", f"--pwfile={pwfile}",
                                 "-E", "UTF8", "--no-locale"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=user,
                                cwd=str(base), timeout=120).returncode
    finally:
        pwfile.unlink(missing_ok=True)
    if rc != 0:
        raise ServiceUnreachable("PostgreSQL initdb failed", obj=str(log), fix=f"read the log: {log}")


def start(st: State) -> None:
    init_if_needed(st)
    st.proc("postgres").start(
        [str(deps.postgres_bin() / "postgres"), "-D", str(data_dir(st)), "-p", str(st.ports["postgres"]),
         "-c", f"listen_addresses={LOOPBACK}", "-c", "unix_socket_directories=",
         "-c", "shared_buffers=32MB", "-c", "max_connections=60",
         # a throw-away sandbox: durability is not worth the fsync cost on a shared 2-core box
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        user=_run_as(), cwd=base_dir(st))


def url(st: State, db: str = DB) -> str:
    c = st.credentials
    return f"postgresql://{c['pg_user']}:{c['pg_password']}@{LOOPBACK}:{st.ports['postgres']}/{db}"


def healthy(st: State) -> bool:
    import psycopg

    try:
        with psycopg.connect(url(st, "postgres"), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def create_database(st: State) -> None:
    import psycopg

    with psycopg.connect(url(st, "postgres"), autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def purge(st: State) -> None:
    base = base_dir(st)
    if base.exists():
        shutil.rmtree(base, ignore_errors=True)
