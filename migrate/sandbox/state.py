"""The sandbox's state directory: ports, generated credentials, options, pid files, logs, data.

Layout (all under one directory, default ~/.okdp-migrate/sandbox):
  state.json   ports, generated credentials, options (owner-only)
  env.json     the connection file `sandbox env --json` prints (owner-only: it holds the S3 keys)
  conf/        TDP-style core-site.xml, hdfs-site.xml, hive-site.xml pointing at the sandbox
  run/ logs/   pid files and one log per service
  hdfs/ hive/ spark/ s3/ postgres/   service data
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .procs import Proc

DIR_ENV = "OKDP_MIGRATE_SANDBOX_DIR"
SEED_MARKER = "seeded.marker"


def default_dir() -> Path:
    return Path(os.environ.get(DIR_ENV) or Path.home() / ".okdp-migrate" / "sandbox").expanduser()


def resolve_dir(path: str | os.PathLike | None) -> Path:
    return (Path(path).expanduser() if path else default_dir()).resolve()


@dataclass
class State:
    dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    postgres: bool = True

    # --- persistence -------------------------------------------------------------------------
    @classmethod
    def load(cls, d: Path) -> "State":
        st = cls(dir=d)
        try:
            data = json.loads((d / "state.json").read_text())
        except (OSError, ValueError):
            return st
        st.ports = {k: int(v) for k, v in data.get("ports", {}).items()}
        st.credentials = dict(data.get("credentials", {}))
        st.postgres = bool(data.get("postgres", True))
        return st

    def save(self) -> None:
        data = asdict(self)
        data["dir"] = str(self.dir)
        write_private_json(self.dir / "state.json", data)

    def exists(self) -> bool:
        return (self.dir / "state.json").exists()

    def ensure_credentials(self) -> None:
        """Generate per-sandbox credentials once; they survive restarts (data depends on them)."""
        c = self.credentials
        c.setdefault("s3_access_key", "okdp" + secrets.token_hex(6))
        c.setdefault("s3_secret_key", secrets.token_urlsafe(24))
        c.setdefault("pg_user", "hive")
        c.setdefault("pg_password", secrets.token_urlsafe(18))

    # --- paths -------------------------------------------------------------------------------
    def sub(self, *parts: str) -> Path:
        p = self.dir.joinpath(*parts)
        p.mkdir(parents=True, exist_ok=True)
        return p

    @property
    def conf_dir(self) -> Path:
        return self.dir / "conf"

    def proc(self, name: str) -> Proc:
        return Proc(name, self.dir / "run", self.dir / "logs")

    @property
    def seed_marker(self) -> Path:
        return self.dir / SEED_MARKER


def write_private_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    tmp.replace(path)
