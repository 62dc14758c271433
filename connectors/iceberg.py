"""Iceberg catalogs through pyiceberg: REST (SeaweedFS, Polaris), SQL and Hive metastore.

Library errors are translated here into okdp_migrate.errors, naming the setting that fixes them.
Settings (dotted keys of okdp_migrate.config): iceberg.catalog (rest|sql|hive), iceberg.rest_uri,
iceberg.warehouse, iceberg.credential, iceberg.sql_uri, iceberg.hive_uri, and s3.* for the FileIO.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Iterator, Mapping

from ..errors import AuthError, BadInputError, ConfigError, ExitCode, OkdpError, ServiceUnreachable

CATALOG_TYPES = ("rest", "sql", "hive")


class CommitConflict(OkdpError):
    """Someone else committed to the table meanwhile: a rerun retries it."""

    exit_code = ExitCode.PARTIAL


def catalog_properties(settings: Mapping[str, Any]) -> dict[str, str]:
    """pyiceberg load_catalog properties from flat settings {'iceberg.catalog': 'rest', 's3.endpoint': ...}."""
    kind = (settings.get("iceberg.catalog") or "rest").lower()
    if kind not in CATALOG_TYPES:
        raise ConfigError(f"unknown Iceberg catalog type '{kind}'", obj="iceberg.catalog",
                          fix=f"set iceberg.catalog to one of {', '.join(CATALOG_TYPES)}")
    props: dict[str, str] = {"type": kind}
    endpoint = settings.get("s3.endpoint")
    if endpoint:
        props.update({"s3.endpoint": endpoint, "s3.path-style-access": "true",
                      "s3.region": settings.get("s3.region") or "us-east-1"})
    if settings.get("s3.access_key"):
        props.update({"s3.access-key-id": settings["s3.access_key"],
                      "s3.secret-access-key": settings.get("s3.secret_key") or ""})
    warehouse = settings.get("iceberg.warehouse")
    if warehouse:
        props["warehouse"] = warehouse
    if kind == "rest":
        uri = settings.get("iceberg.rest_uri")
        if not uri:
            raise ConfigError("no Iceberg REST catalog URI", obj="iceberg.rest_uri",
                              fix="set iceberg.rest_uri (env OKDP_MIGRATE_ICEBERG_REST_URI)")
        props["uri"] = uri
        credential = settings.get("iceberg.credential")
        if not credential and settings.get("s3.access_key"):
            credential = f"{settings['s3.access_key']}:{settings.get('s3.secret_key') or ''}"  # SeaweedFS: S3 keys
        if credential:
            props["credential"] = credential
    elif kind == "sql":
        uri = settings.get("iceberg.sql_uri")
        if not uri:
            raise ConfigError("no SQL catalog URI", obj="iceberg.sql_uri",
                              fix="set iceberg.sql_uri, e.g. sqlite:////path/catalog.db or postgresql+psycopg://...")
        props["uri"] = uri
        props["init_catalog_tables"] = "true"
    else:
        uri = settings.get("iceberg.hive_uri") or settings.get("metastore.uri")
        if not uri:
            raise ConfigError("no Hive metastore URI for the Iceberg Hive catalog", obj="iceberg.hive_uri",
                              fix="set iceberg.hive_uri to thrift://host:9083")
        props["uri"] = uri
        if not warehouse:  # else pyiceberg puts tables under the database's HMS location, often hdfs://
            raise ConfigError("no warehouse for the Iceberg Hive catalog", obj="iceberg.warehouse",
                              fix="set iceberg.warehouse to s3://bucket/path (the tables' metadata goes there)")
    return props


@contextlib.contextmanager
def translated(obj: str) -> Iterator[None]:
    """Turn pyiceberg / HTTP / S3 errors raised inside the block into okdp_migrate errors about obj."""
    from pyiceberg import exceptions as ice

    try:
        yield
    except OkdpError:
        raise
    except (ice.UnauthorizedError, ice.ForbiddenError, ice.OAuthError, ice.AuthorizationExpiredError) as exc:
        raise AuthError(f"the Iceberg catalog refused the credentials ({exc})", obj=obj,
                        fix="check iceberg.credential (or s3.access_key/s3.secret_key for SeaweedFS)") from None
    except ice.CommitFailedException as exc:
        raise CommitConflict(f"concurrent commit ({exc})", obj=obj, fix="rerun the same command") from None
    except (ice.ServiceUnavailableError, ice.CommitStateUnknownException) as exc:
        raise ServiceUnreachable(f"Iceberg catalog unavailable ({exc})", obj=obj, fix="retry later") from None
    except (ice.BadRequestError, ice.ValidationError, ice.ServerError, ice.RESTError) as exc:
        raise BadInputError(f"the Iceberg catalog rejected the request ({exc})", obj=obj,
                            fix="see the message; check the table's schema and iceberg.warehouse") from None
    except OSError as exc:  # requests' ConnectionError and pyarrow's S3 errors are OSErrors
        name = type(exc).__name__
        if "Connection" in name or "connect" in str(exc).lower():
            raise ServiceUnreachable(f"cannot reach the Iceberg catalog or its storage ({exc})", obj=obj,
                                     fix="check iceberg.rest_uri and s3.endpoint, and that the service runs") from None
        if "denied" in str(exc).lower() or "403" in str(exc):
            raise AuthError(f"storage access denied ({exc})", obj=obj, fix="check s3.access_key/s3.secret_key") from None
        raise BadInputError(f"storage error ({exc})", obj=obj, fix="check the object exists and is readable") from None
    except Exception as exc:  # the Hive catalog lets thrift and metastore errors through
        error = _metastore_error(exc, obj)
        if error is None:
            raise
        raise error from None


def _metastore_error(exc: Exception, obj: str) -> OkdpError | None:
    """A Hive metastore (thrift) failure as an okdp_migrate error; None when exc is not one."""
    if not (type(exc).__module__ or "").startswith(("thrift", "hive_metastore")):
        return None
    name, text = type(exc).__name__, getattr(exc, "message", None) or str(exc)
    if name == "TTransportException":
        return ServiceUnreachable(f"cannot reach the Hive metastore of the Iceberg catalog ({text})", obj=obj,
                                  fix="check iceberg.hive_uri (thrift://host:9083) and that the metastore runs")
    if "No FileSystem for scheme" in text or "S3AFileSystem not found" in text:
        # HMS checks (and creates) every database/table location with its own Hadoop FileSystem
        return ConfigError(f"the Hive metastore cannot use object-store locations: it has no Hadoop FileSystem for "
                           f"them ({text})", obj=obj,
                           fix="put hadoop-aws and its AWS SDK on the metastore's classpath and set "
                               "fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem (and fs.s3a.endpoint/keys) in its "
                               "core-site.xml, or use iceberg.catalog=rest")
    if name == "TApplicationException" and "processing lock" in text:
        # every Hive-catalog commit takes an HMS table lock; it lives in the transaction tables (NEXT_LOCK_ID,
        # HIVE_LOCKS) that Hive's schematool creates and a DataNucleus-only schema lacks
        return ConfigError(f"the Hive metastore failed the table lock an Iceberg commit takes ({text}); its "
                           f"transaction tables are most likely missing (see the metastore log)", obj=obj,
                           fix="create the metastore schema with Hive's schematool (it creates NEXT_LOCK_ID, "
                               "HIVE_LOCKS...), or use iceberg.catalog=rest")
    return BadInputError(f"the Hive metastore refused the request ({name}: {text})", obj=obj,
                         fix="see the message and the metastore's log")


def open_catalog(settings: Mapping[str, Any], name: str = "okdp"):
    from pyiceberg.catalog import load_catalog

    props = catalog_properties(settings)
    if props["type"] == "hive":  # thrift logs each refused connection itself; our error says it once
        logging.getLogger("thrift.transport.TSocket").setLevel(logging.CRITICAL)
    with translated(props.get("uri", name)):
        try:
            return load_catalog(name, **props)
        except ImportError as exc:
            from ..errors import MissingDependency

            raise MissingDependency(f"the {props['type']} Iceberg catalog needs an extra ({exc})", obj=props["type"],
                                    fix="pip install 'pyiceberg[sql-sqlite,hive,pyarrow]'") from None


def ensure_namespace(catalog, namespace: str) -> None:
    from pyiceberg.exceptions import NamespaceAlreadyExistsError

    location = _hive_location(catalog, f"{namespace}.db")  # else HMS puts the database in its own warehouse
    with translated(namespace):
        try:
            catalog.create_namespace(namespace, {"location": location} if location else {})
        except NamespaceAlreadyExistsError:
            pass


def load_table(catalog, identifier: str):
    """The table, or None when it does not exist."""
    from pyiceberg.exceptions import NoSuchIcebergTableError, NoSuchPropertyException, NoSuchTableError

    with translated(identifier):
        try:
            return catalog.load_table(identifier)
        except (NoSuchIcebergTableError, NoSuchPropertyException):  # Hive catalog: a plain Hive table has the name
            raise BadInputError("a table that is not an Iceberg table already has this name in the Hive metastore",
                                obj=identifier, fix="plan with --iceberg-prefix, or set iceberg.hive_uri to the "
                                                    "target metastore") from None
        except NoSuchTableError:
            return None


def create_table(catalog, identifier: str, schema, spec, properties: Mapping[str, str]):
    namespace, _, name = identifier.rpartition(".")
    location = _hive_location(catalog, f"{namespace}.db/{name}")  # the database may predate us, located in HDFS
    with translated(identifier):
        return catalog.create_table(identifier, schema=schema, partition_spec=spec, properties=dict(properties),
                                    **({"location": location} if location else {}))


def _hive_location(catalog, relative: str) -> str | None:
    """Under iceberg.warehouse for the Hive catalog (Hive's db.db/table layout); None for the others."""
    props = getattr(catalog, "properties", {}) or {}
    if props.get("type") != "hive" or not props.get("warehouse"):
        return None
    return f"{props['warehouse'].rstrip('/')}/{relative}"


def drop_table(catalog, identifier: str) -> None:
    from pyiceberg.exceptions import NoSuchTableError

    with translated(identifier):
        try:
            catalog.drop_table(identifier)
        except NoSuchTableError:
            pass
