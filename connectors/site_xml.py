"""Hadoop configuration files (*-site.xml, and TDP's *-site.xml.j2 templates): parse, redact, summarise.

Every value whose key names a secret is replaced by "***" while parsing, and passwords inside
JDBC/URL values are masked, so the model never holds a secret. A malformed file raises one
BadInputError naming the file and the line.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import BadInputError
from ..model_config import ClusterConfig, SiteFile

REDACTED = "***"
_SECRET_KEY = re.compile(r"pass(word|wd)?\b|password|passwd|secret|credential|keystore\.pass|truststore\.pass|"
                         r"token$|token\.secret|access\.key|secret\.key|\.jceks|private\.key|sasl\.jaas|\.pwd\b", re.I)
# keys that name where secrets live, not secrets themselves
_NOT_SECRET = re.compile(r"credential\.provider\.path$|\.file$|token\.(renew|max|lifetime|validity|kind)|"
                         r"token\.service|delegation\.token\.(renew-interval|max-lifetime)", re.I)
_SECRET_IN_VALUE = re.compile(r"((?:password|pwd|secret)=)[^&;\s]*", re.I)
_PATTERNS = ("*-site.xml", "*-site.xml.j2")


def is_secret(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET.search(key)


def _redact(key: str, value: str) -> tuple[str, bool]:
    if is_secret(key) and value:
        return REDACTED, True
    masked = _SECRET_IN_VALUE.sub(lambda m: m.group(1) + REDACTED, value)
    return masked, masked != value


def read_site_xml(path: str | os.PathLike) -> SiteFile:
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise BadInputError("file not found", obj=str(path), fix="check the config directory") from None
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        raise BadInputError(f"malformed XML at line {line}, column {col} ({str(exc).split(':')[0]})",
                            obj=str(path), fix="fix the XML (or remove the file from the config directory)") from None
    if root.tag != "configuration":
        raise BadInputError(f"not a Hadoop configuration file (root element <{root.tag}>, expected <configuration>)",
                            obj=str(path), fix="pass only *-site.xml files")
    name = path.name.removesuffix(".j2").removesuffix(".xml")
    site = SiteFile(path=str(path), name=name, templated=path.suffix == ".j2")
    for prop in root.iter("property"):
        key = (prop.findtext("name") or "").strip()
        if not key:
            continue
        value, hidden = _redact(key, (prop.findtext("value") or "").strip())
        site.properties[key] = value
        if hidden:
            site.redacted.append(key)
        if (prop.findtext("final") or "").strip().lower() == "true":
            site.final.append(key)
    return site


def find_site_files(directory: str | os.PathLike) -> list[Path]:
    d = Path(directory)
    if not d.is_dir():
        raise BadInputError("not a directory", obj=str(d), fix="pass the directory holding core-site.xml etc.")
    found = {p for pattern in _PATTERNS for p in d.rglob(pattern)}
    # Hadoop's own order: core before hdfs before the rest, so later files override as they would
    order = {"core-site": 0, "hdfs-site": 1, "yarn-site": 2, "mapred-site": 3}
    return sorted(found, key=lambda p: (order.get(p.name.split(".")[0], 9), str(p)))


def load_config_dir(directory: str | os.PathLike) -> ClusterConfig:
    """Every *-site.xml (and *-site.xml.j2) under DIRECTORY, with a summary; raises on the first bad file."""
    cfg = ClusterConfig(files=[read_site_xml(p) for p in find_site_files(directory)])
    cfg.summary = summarise(cfg)
    return cfg


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def summarise(cfg: ClusterConfig) -> dict:
    g = cfg.get
    nameservices = _split(g("dfs.nameservices") or g("dfs.internal.nameservices"))
    ha = {ns: _split(g(f"dfs.ha.namenodes.{ns}")) for ns in nameservices}
    names = {f.name for f in cfg.files}
    ranger = {
        "hdfs": "ranger" in (g("dfs.namenode.inode.attributes.provider.class") or "").lower()
        or "ranger-hdfs-security" in names,
        "hive": "ranger" in (g("hive.security.authorization.manager") or "").lower()
        or "ranger-hive-security" in names,
        "yarn": "ranger" in (g("yarn.authorization-provider") or "").lower() or "ranger-yarn-security" in names,
        "hbase": "ranger" in (g("hbase.coprocessor.master.classes") or "").lower() or "ranger-hbase-security" in names,
    }
    return {
        "files": [f.name for f in cfg.files],
        "templated": any(f.templated for f in cfg.files),
        "fs_default_fs": g("fs.defaultFS") or g("fs.default.name"),
        "nameservices": nameservices,
        "ha": {ns: nn for ns, nn in ha.items() if len(nn) > 1},
        "kerberos": (g("hadoop.security.authentication") or "simple").lower() == "kerberos",
        "rpc_protection": g("hadoop.rpc.protection"),
        "http_policy": g("dfs.http.policy"),
        "webhdfs": (g("dfs.webhdfs.enabled") or "true").lower() == "true",
        "kms": g("hadoop.security.key.provider.path") or g("dfs.encryption.key.provider.uri"),
        # TDP enables plugins with Ranger's enable-*-plugin.sh on the host: ranger-*-security.xml files are the sign
        "ranger_plugins": sorted(k for k, on in ranger.items() if on),
        "warehouse_dirs": [d for d in (g("hive.metastore.warehouse.dir") or g("metastore.warehouse.dir"),
                                       g("hive.metastore.warehouse.external.dir")
                                       or g("metastore.warehouse.external.dir")) if d],
        "metastore_uris": _split(g("hive.metastore.uris") or g("metastore.thrift.uris")),
        "metastore_db_url": g("javax.jdo.option.ConnectionURL"),
        "hiveserver2": {"transport": g("hive.server2.transport.mode") or "binary",
                        "port": g("hive.server2.thrift.port"), "http_port": g("hive.server2.thrift.http.port"),
                        "ssl": (g("hive.server2.use.SSL") or "false").lower() == "true",
                        "authentication": g("hive.server2.authentication")},
        "hive_transactional": (g("hive.support.concurrency") or "").lower() == "true"
        and "dbtxnmanager" in (g("hive.txn.manager") or "").lower(),
        "zookeeper": _split(g("ha.zookeeper.quorum") or g("hive.zookeeper.quorum")),
        "redacted_keys": sorted({k for f in cfg.files for k in f.redacted}),
    }
