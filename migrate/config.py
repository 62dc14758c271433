"""Configuration: defaults < YAML file < OKDP_MIGRATE_* environment variables < command-line flags.

Every setting is declared once in SETTINGS, with its dotted key, the flat alias used by
`okdp-migrate sandbox env --json` (so that file is accepted as a config as it is), whether it is a
secret, and a default taken from what TDP and OKDP really run (shared platform facts).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import ConfigError

ENV_PREFIX = "OKDP_MIGRATE_"
REDACTED = "***"


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any = None
    help: str = ""
    secret: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.key.upper().replace(".", "_")


SETTINGS: tuple[Setting, ...] = (
    # HDFS (source)
    Setting("hdfs.webhdfs_url", None, "WebHDFS base URL, e.g. https://nn:9871 or a Knox gateway", aliases=("webhdfs_url",)),
    Setting("hdfs.namenode_rpc", None, "NameNode RPC address host:port (8020 on TDP)", aliases=("namenode_rpc",)),
    Setting("hdfs.user", None, "user name for simple (non-Kerberos) auth", aliases=("hdfs_user",)),
    Setting("hdfs.kerberos", False, "use Kerberos (SPNEGO for WebHDFS, SASL for RPC)"),
    Setting("hdfs.ca_bundle", None, "CA bundle for an HTTPS NameNode or Knox gateway"),
    Setting("hdfs.password", None, "password for a Knox (basic auth) gateway", secret=True),
    Setting("hdfs.warehouse_dirs", ["/warehouse/tablespace/managed/hive", "/warehouse/tablespace/external/hive"],
            "Hive warehouse roots (orphan detection)", aliases=("warehouse_dirs",)),
    Setting("hdfs.max_concurrency", 4, "concurrent NameNode requests during a walk"),
    # Hive
    Setting("metastore.uri", None, "Hive Metastore thrift URI (thrift://host:9083)", aliases=("metastore_uri",)),
    Setting("metastore.db_url", None, "read-only SQL URL of the metastore database (postgresql://...)",
            secret=True, aliases=("metastore_db_url",)),
    Setting("metastore.max_connections", 4, "thrift connections a bulk metastore read uses at once"),
    Setting("hiveserver2.host", None, "HiveServer2 host", aliases=("hiveserver2_host",)),
    Setting("hiveserver2.port", 10000, "HiveServer2 binary port", aliases=("hiveserver2_port",)),
    Setting("hiveserver2.user", None, "HiveServer2 user"),
    Setting("hiveserver2.password", None, "HiveServer2 password (LDAP)", secret=True),
    # Oozie / Ranger / configs
    Setting("oozie.url", None, "Oozie REST URL (http://host:11000/oozie)"),
    Setting("oozie.app_dirs", ["/user"], "HDFS directories searched for Oozie applications"),
    Setting("ranger.url", None, "Ranger admin URL (http://host:6080)"),
    Setting("ranger.user", None, "Ranger admin user"),
    Setting("ranger.password", None, "Ranger admin password", secret=True),
    Setting("ranger.export_files", [], "Ranger policy export JSON files", aliases=("ranger_export_files",)),
    Setting("cluster.config_dir", None, "directory holding *-site.xml files", aliases=("config_dir",)),
    # Target: S3 and Iceberg
    Setting("s3.endpoint", None, "S3 endpoint URL (SeaweedFS or MinIO)", aliases=("s3_endpoint",)),
    Setting("s3.access_key", None, "S3 access key id", secret=True, aliases=("s3_access_key",)),
    Setting("s3.secret_key", None, "S3 secret access key", secret=True, aliases=("s3_secret_key",)),
    Setting("s3.region", "us-east-1", "S3 region"),
    Setting("s3.bucket", None, "default target bucket", aliases=("s3_bucket",)),
    Setting("iceberg.rest_uri", None, "Iceberg REST catalog URI (Polaris, SeaweedFS)", aliases=("iceberg_rest_uri",)),
    Setting("iceberg.warehouse", None, "Iceberg warehouse (s3://bucket/)", aliases=("iceberg_warehouse",)),
    Setting("iceberg.credential", None, "Iceberg REST OAuth2 client credential id:secret", secret=True,
            aliases=("iceberg_credential",)),
    Setting("iceberg.catalog", "rest", "Iceberg catalog type: rest | sql | hive"),
    Setting("iceberg.sql_uri", None, "SQL catalog URI (sqlite:///... or postgresql+psycopg://...)", secret=True),
    Setting("iceberg.hive_uri", None, "Hive metastore thrift URI of an Iceberg Hive catalog (target side)"),
    # Scan
    Setting("scan.hdfs_roots", ["/"], "HDFS directories the live scan walks"),
    Setting("scan.small_file_bytes", 16 << 20, "files smaller than this count as small files"),
    Setting("scan.bandwidth_mbps", 100, "bandwidth (MB/s) the scan's copy-time estimate assumes"),
    Setting("hbase.rest_url", None, "HBase REST server (http://host:8080): live tables and regions"),
    Setting("scan.hbase_root", "/apps/hbase/data", "HBase root directory in HDFS (hbase.rootdir)"),
    Setting("scan.workload_dirs", [], "local directories searched for Airflow DAGs and job scripts"),
    # Copy behaviour
    Setting("copy.bandwidth_mbps", 0, "global bandwidth limit in MB/s (0: none)"),
    Setting("copy.workers", 4, "parallel copy streams"),
)

BY_KEY = {s.key: s for s in SETTINGS}
BY_ALIAS = {a: s for s in SETTINGS for a in s.aliases}


@dataclass
class Value:
    value: Any
    source: str  # "default", "file:PATH", "env:VAR", "flag:--x"


@dataclass
class Config:
    values: dict[str, Value] = field(default_factory=dict)
    path: Path | None = None

    def get(self, key: str, default: Any = None) -> Any:
        v = self.values.get(key)
        return default if v is None or v.value is None else v.value

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def section(self, prefix: str) -> dict[str, Any]:
        """{'endpoint': ..., 'access_key': ...} for prefix 's3'."""
        p = prefix + "."
        return {k[len(p):]: v.value for k, v in self.values.items() if k.startswith(p)}

    def set(self, key: str, value: Any, source: str) -> None:
        setting = _setting_for(key, source)
        self.values[setting.key] = Value(_coerce(setting, value, source), source)

    def secrets(self) -> list[str]:
        """Secret values in force, so logs and generated files can be scrubbed of them."""
        out = []
        for s in SETTINGS:
            v = self.get(s.key)
            if s.secret and isinstance(v, str) and v:
                out.append(v)
        return out

    def shown(self) -> list[dict[str, Any]]:
        """Every setting with its value (secrets redacted) and where it came from."""
        rows = []
        for s in SETTINGS:
            v = self.values[s.key]
            rows.append({"key": s.key, "value": redact_value(s, v.value), "source": v.source,
                         "env": s.env_var, "help": s.help})
        return rows


def redact_value(setting: Setting, value: Any) -> Any:
    if setting.secret and value not in (None, ""):
        return REDACTED
    if isinstance(value, str) and "://" in value and "@" in value:
        return redact_url(value)
    return value


def redact_url(url: str) -> str:
    """postgresql://user:pw@host/db -> postgresql://user:***@host/db"""
    scheme, rest = url.split("://", 1)
    creds, _, host = rest.rpartition("@")
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":" + REDACTED
    return f"{scheme}://{creds}@{host}"


def _setting_for(key: str, source: str) -> Setting:
    s = BY_KEY.get(key) or BY_ALIAS.get(key)
    if s is None:
        raise ConfigError(f"unknown setting '{key}'", obj=source,
                          fix="run 'okdp-migrate config show' for the known keys")
    return s


def _coerce(setting: Setting, value: Any, source: str) -> Any:
    default = setting.default
    if value is None:
        return None
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(value)
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, list):
            if isinstance(value, str):
                return [p.strip() for p in value.split(",") if p.strip()]
            return list(value)
    except (TypeError, ValueError):
        raise ConfigError(f"'{setting.key}' must be a {type(default).__name__}, got {value!r}", obj=source,
                          fix=f"correct '{setting.key}' in {source}") from None
    return value


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and key not in BY_KEY:
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def load(path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None,
         flags: Mapping[str, Any] | None = None) -> Config:
    """Build the effective configuration. Unknown keys in a file are an error: typos must not pass."""
    cfg = Config()
    for s in SETTINGS:
        cfg.values[s.key] = Value(s.default, "default")
    if path is not None:
        cfg.path = Path(path)
        for key, value in _read_file(cfg.path).items():
            if key in BY_KEY or key in BY_ALIAS:
                cfg.set(key, value, f"file:{path}")
            elif key not in IGNORED_FILE_KEYS:
                raise ConfigError(f"unknown setting '{key}'", obj=str(path),
                                  fix="remove it, or see 'okdp-migrate config show' for the known keys")
    env = os.environ if env is None else env
    for s in SETTINGS:
        if s.env_var in env:
            cfg.set(s.key, env[s.env_var], f"env:{s.env_var}")
    for key, value in (flags or {}).items():
        if value is not None:
            cfg.set(key, value, f"flag:{key}")
    return cfg


# Keys that `sandbox env --json` prints for people and scripts but that are not settings.
IGNORED_FILE_KEYS = {"state_dir", "sandbox_dir", "pids", "services", "namenode_http", "s3_bucket_warehouse",
                     "metastore_db", "postgres_url", "hdfs_snapshot_dir"}


def _read_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", obj=str(path), fix="pass an existing file to --config") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file ({exc.strerror})", obj=str(path),
                          fix="check the path and its permissions") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"malformed YAML/JSON{where}", obj=str(path), fix="correct the file's syntax") from None
    if not isinstance(data, Mapping):
        raise ConfigError("config file must hold a mapping of settings", obj=str(path),
                          fix="write settings as 'key: value' lines")
    return dict(_flatten(data))
