"""Read a Hive Metastore straight from its database (PostgreSQL with psycopg, MySQL/MariaDB with PyMySQL).

Read-only (the session is opened read-only), a handful of set-based queries instead of one thrift
call per object: this is what makes 1M partitions a matter of seconds. The schema version comes from
the VERSION table; schemas this module was not written against are refused with one line, since a
guessed join on an unknown schema would silently give wrong numbers.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator
from urllib.parse import unquote, urlparse

from okdp_migrate.errors import AuthError, BadInputError, ServiceUnreachable, require
from okdp_migrate.model import Column, HivePartition, HiveTable

# Schema lines whose tables and columns this module reads (Apache, HDP "3.1.3000" and CDH variants alike).
KNOWN_MAJOR_MINOR = ("1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "3.0", "3.1", "3.2", "4.0", "4.1")


class MetastoreDb:
    def __init__(self, url: str, *, fetch_size: int = 20000):
        if not url:
            raise BadInputError("no metastore database URL configured", obj="metastore.db_url",
                                fix="set metastore.db_url (postgresql://user:pw@host/metastore) or drop --metastore-sql")
        self.url, self.fetch_size = url, fetch_size
        u = urlparse(url)
        self.dialect = "mysql" if u.scheme.startswith(("mysql", "mariadb")) else "postgres"
        self.shown = f"{u.scheme}://{u.hostname}:{u.port or ''}{u.path}"  # never the password
        self.conn = None
        self.schema_version: str | None = None

    def q(self, name: str) -> str:
        return f"`{name}`" if self.dialect == "mysql" else f'"{name}"'

    # --- connection ---------------------------------------------------------------------------
    def open(self) -> "MetastoreDb":
        try:
            if self.dialect == "postgres":
                psycopg = require("psycopg", "postgres", "reading the metastore database")
                url = self.url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")
                self.conn = psycopg.connect(url, connect_timeout=10)
                self.conn.read_only = True
            else:
                pymysql = require("pymysql", "mysql", "reading a MySQL/MariaDB metastore database")
                u = urlparse(self.url)
                self.conn = pymysql.connect(host=u.hostname, port=u.port or 3306, user=unquote(u.username or ""),
                                            password=unquote(u.password or ""), database=u.path.lstrip("/"),
                                            connect_timeout=10)
                with self.conn.cursor() as c:
                    c.execute("SET SESSION TRANSACTION READ ONLY")
        except Exception as exc:
            raise _translate(exc, self.shown) from None
        self.schema_version = self._version()
        return self

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> "MetastoreDb":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _rows(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        try:
            cur = self.conn.cursor()
            cur.execute(sql.replace('"', "`") if self.dialect == "mysql" else sql, params)
            while True:
                rows = cur.fetchmany(self.fetch_size)
                if not rows:
                    break
                yield from rows
            cur.close()
        except Exception as exc:
            raise _translate(exc, self.shown) from None

    def _version(self) -> str:
        try:
            rows = list(self._rows('SELECT "SCHEMA_VERSION" FROM "VERSION"'))
        except (BadInputError, ServiceUnreachable):
            self.conn.rollback()
            raise BadInputError("no VERSION table: not a Hive metastore schema", obj=self.shown,
                                fix="point metastore.db_url at the metastore database, or scan over thrift") from None
        version = str(rows[0][0]) if rows else ""
        if ".".join(version.split(".")[:2]) not in KNOWN_MAJOR_MINOR:
            raise BadInputError(f"unknown metastore schema version '{version}' (known: {', '.join(KNOWN_MAJOR_MINOR)})",
                                obj=self.shown, fix="scan the metastore over thrift instead (drop --metastore-sql)")
        return version

    # --- reads --------------------------------------------------------------------------------
    def databases(self) -> list[str]:
        return sorted(r[0] for r in self._rows(f'SELECT "NAME" FROM "DBS"{self._catalog_filter("DBS")}'))

    def database_info(self) -> list[dict[str, Any]]:
        params: dict[int, dict[str, str]] = defaultdict(dict)
        for db_id, key, value in self._rows('SELECT "DB_ID", "PARAM_KEY", "PARAM_VALUE" FROM "DATABASE_PARAMS"'):
            params[db_id][key] = value or ""
        rows = self._rows('SELECT d."DB_ID", d."NAME", d."DB_LOCATION_URI", d."OWNER_NAME" FROM "DBS" d'
                          + self._catalog_filter("d"))
        return sorted(({"name": n, "location": loc, "owner": owner or "", "parameters": params.get(i, {})}
                       for i, n, loc, owner in rows), key=lambda d: d["name"])

    def _catalog_filter(self, alias: str) -> str:
        return f' WHERE {alias}."CTLG_NAME" = \'hive\'' if self.schema_version >= "3" else ""

    def tables(self) -> list[HiveTable]:
        """Every table and view with columns, partition keys, parameters and storage, in ~8 queries."""
        tables: dict[int, HiveTable] = {}
        sd_of: dict[int, int] = {}
        serde_of: dict[int, int] = {}
        for (tbl_id, db, name, ttype, owner, ctime, vot, vet, sd_id, loc, inf, outf, nb, _cd, serde_id,
             slib) in self._rows(
            'SELECT t."TBL_ID", d."NAME", t."TBL_NAME", t."TBL_TYPE", t."OWNER", t."CREATE_TIME", '
            't."VIEW_ORIGINAL_TEXT", t."VIEW_EXPANDED_TEXT", s."SD_ID", s."LOCATION", s."INPUT_FORMAT", '
            's."OUTPUT_FORMAT", s."NUM_BUCKETS", s."CD_ID", s."SERDE_ID", se."SLIB" '
            'FROM "TBLS" t JOIN "DBS" d ON t."DB_ID" = d."DB_ID" LEFT JOIN "SDS" s ON t."SD_ID" = s."SD_ID" '
            'LEFT JOIN "SERDES" se ON s."SERDE_ID" = se."SERDE_ID"' + self._catalog_filter("d")):
            tables[tbl_id] = HiveTable(database=db, name=name, table_type=ttype or "MANAGED_TABLE", owner=owner or "",
                                       location=loc or None, input_format=inf, output_format=outf, serde=slib,
                                       num_buckets=max(0, nb or 0), view_original_text=vot or None,
                                       view_expanded_text=vet or None, create_time=ctime or 0)
            if sd_id is not None:
                sd_of[sd_id] = tbl_id
            if serde_id is not None:
                serde_of[serde_id] = tbl_id
        for tbl_id, key, value in self._rows('SELECT "TBL_ID", "PARAM_KEY", "PARAM_VALUE" FROM "TABLE_PARAMS"'):
            if tbl_id in tables:
                tables[tbl_id].parameters[key] = value or ""
        for tbl_id, pname, ptype, comment, _ in self._rows(
                'SELECT "TBL_ID", "PKEY_NAME", "PKEY_TYPE", "PKEY_COMMENT", "INTEGER_IDX" FROM "PARTITION_KEYS" '
                'ORDER BY "TBL_ID", "INTEGER_IDX"'):
            if tbl_id in tables:
                tables[tbl_id].partition_keys.append(Column(pname, ptype, comment or None))
        # Column descriptors can be shared by several tables (CD_ID): map each CD to all its tables.
        cd_map: dict[int, list[int]] = defaultdict(list)
        for cd_id, tbl_id in self._rows('SELECT s."CD_ID", t."TBL_ID" FROM "TBLS" t JOIN "SDS" s ON t."SD_ID" = s."SD_ID"'):
            if cd_id is not None and tbl_id in tables:
                cd_map[cd_id].append(tbl_id)
        for cd_id, name, ctype, comment, _ in self._rows(
                'SELECT "CD_ID", "COLUMN_NAME", "TYPE_NAME", "COMMENT", "INTEGER_IDX" FROM "COLUMNS_V2" '
                'ORDER BY "CD_ID", "INTEGER_IDX"'):
            for tbl_id in cd_map.get(cd_id, ()):
                tables[tbl_id].columns.append(Column(name, ctype, comment or None))
        for serde_id, key, value in self._rows('SELECT "SERDE_ID", "PARAM_KEY", "PARAM_VALUE" FROM "SERDE_PARAMS"'):
            tbl_id = serde_of.get(serde_id)
            if tbl_id is not None:
                tables[tbl_id].serde_params[key] = value or ""
        for sd_id, col, _ in self._rows('SELECT "SD_ID", "BUCKET_COL_NAME", "INTEGER_IDX" FROM "BUCKETING_COLS" '
                                        'ORDER BY "SD_ID", "INTEGER_IDX"'):
            if sd_id in sd_of:
                tables[sd_of[sd_id]].bucket_columns.append(col)
        for sd_id, col, _ in self._rows('SELECT "SD_ID", "COLUMN_NAME", "INTEGER_IDX" FROM "SORT_COLS" '
                                        'ORDER BY "SD_ID", "INTEGER_IDX"'):
            if sd_id in sd_of:
                tables[sd_of[sd_id]].sort_columns.append(col)
        for (sd_id,) in self._rows('SELECT DISTINCT "SD_ID" FROM "SKEWED_COL_NAMES"'):
            if sd_id in sd_of:
                tables[sd_of[sd_id]].skewed = True
        return sorted(tables.values(), key=lambda t: (t.database, t.name))

    def partitions(self, batch_size: int = 10000) -> Iterator[list[HivePartition]]:
        """Every partition, streamed in batches ordered by partition id; values parsed from PART_NAME."""
        params = self._partition_params()
        batch: list[HivePartition] = []
        for part_id, db, table, pname, ctime, loc, inf, slib in self._rows(
                'SELECT p."PART_ID", d."NAME", t."TBL_NAME", p."PART_NAME", p."CREATE_TIME", s."LOCATION", '
                's."INPUT_FORMAT", se."SLIB" FROM "PARTITIONS" p JOIN "TBLS" t ON p."TBL_ID" = t."TBL_ID" '
                'JOIN "DBS" d ON t."DB_ID" = d."DB_ID" LEFT JOIN "SDS" s ON p."SD_ID" = s."SD_ID" '
                'LEFT JOIN "SERDES" se ON s."SERDE_ID" = se."SERDE_ID"' + self._catalog_filter("d")
                + ' ORDER BY p."PART_ID"'):
            batch.append(HivePartition(database=db, table=table, values=values_from_name(pname), name=pname,
                                       location=loc or None, input_format=inf, serde=slib,
                                       parameters=params.pop(part_id, {}), create_time=ctime or 0))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _partition_params(self) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, Any]] = defaultdict(dict)
        for part_id, key, value in self._rows('SELECT "PART_ID", "PARAM_KEY", "PARAM_VALUE" FROM "PARTITION_PARAMS"'):
            out[part_id][key] = value or ""
        return out


def values_from_name(name: str) -> list[str]:
    """dt=2024-01-01/country=fr -> ['2024-01-01', 'fr'] (Hive's own escaping, %XX, undone)."""
    out = []
    for kv in (name or "").split("/"):
        v = kv.partition("=")[2]
        out.append(unquote(v) if "%" in v else v)
    return out


def _translate(exc: Exception, obj: str):
    cls, text = type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (BadInputError, ServiceUnreachable, AuthError)):
        return exc
    low = text.lower()
    if "password authentication failed" in low or "access denied" in low or "permission denied" in low:
        return AuthError(f"metastore database refused the login ({text})", obj=obj,
                         fix="check the user and password in metastore.db_url (a read-only account is enough)")
    if cls in ("OperationalError",) and ("connect" in low or "timeout" in low or "refused" in low):
        return ServiceUnreachable(f"metastore database did not answer ({text})", obj=obj,
                                  fix="check metastore.db_url and that the database port is reachable")
    if cls in ("UndefinedTable", "UndefinedColumn", "ProgrammingError"):
        return BadInputError(f"unexpected metastore schema ({text})", obj=obj,
                             fix="scan the metastore over thrift instead (drop --metastore-sql)")
    return ServiceUnreachable(f"metastore database error ({cls}: {text})", obj=obj,
                              fix="check the database and metastore.db_url")
