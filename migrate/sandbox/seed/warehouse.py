"""The Hive warehouse the seed builds: databases, tables and views as data (DDL + load SQL).

Pure. Rows are generated inside Spark from range() with hash()-based expressions, so every
run produces the same rows without shipping data over the HiveServer2 connection.
Row counts here are exact: each load inserts range(N) rows once (INSERT OVERWRITE).
Tables whose files the seeder writes itself (raw landing files, the ACID table) carry
`raw_files=True` and their rows are counted by the code that writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MANAGED = "/warehouse/tablespace/managed/hive"
EXTERNAL = "/warehouse/tablespace/external/hive"

# database -> (HMS owner, description)
DATABASES = {
    "sales": ("etl", "Orders, customers and order lines"),
    "hr": ("hive", "Employees and departments"),
    "logs": ("etl", "Web and application logs"),
    "staging": ("etl", "Landing tables for the daily loads"),
    "finance": ("finance", "General ledger and FX rates"),
}

# Session settings for dynamic partitions and small shuffles on a 2-core sandbox. The last two
# make each file close ~50x faster on the sandbox: the HDFS client's complete() usually races the
# DataNode's block report and then sleeps 400 ms; an uncached FileSystem picks up a 10 ms retry
# (measured: 50 dynamic partitions in 2.9 s instead of 16.6 s).
SESSION_SETTINGS = (
    "SET hive.exec.dynamic.partition=true",
    "SET hive.exec.dynamic.partition.mode=nonstrict",
    "SET hive.exec.max.dynamic.partitions=2000",
    "SET spark.sql.shuffle.partitions=4",
    "SET hive.enforce.bucketing=false",
    "SET hive.enforce.sorting=false",
    "SET fs.hdfs.impl.disable.cache=true",
    "SET dfs.client.block.write.locateFollowingBlock.initial.delay.ms=10",
)


@dataclass(frozen=True)
class TableSpec:
    db: str
    name: str
    kind: str  # managed | external | view | acid
    format: str  # text | csv | orc | parquet | avro | view
    ddl: str
    load: tuple[str, ...] = ()
    rows: int | None = None  # None: counted by the writer of raw files
    owner: str = "etl"
    partitions: int = 0
    partition_keys: tuple[str, ...] = ()
    raw_files: bool = False
    dangling: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def full_name(self) -> str:
        return f"{self.db}.{self.name}"


def _pick(values: list[str], salt: int, col: str = "id") -> str:
    arr = ", ".join(f"'{v}'" for v in values)
    return f"element_at(array({arr}), pmod(hash({col}, {salt}), {len(values)}) + 1)"


COUNTRIES = ["FR", "DE", "ES", "IT", "BE", "NL", "GB", "US"]
ORDERS_DAYS, ORDERS_PER_DAY = 400, 100
WEB_DAYS, WEB_HOURS, WEB_PER_HOUR = 5, 24, 50
LEDGER_YEARS, LEDGER_PER_MONTH = (2022, 2023), 200

TABLES: tuple[TableSpec, ...] = (
    # ---- sales ------------------------------------------------------------------------------
    TableSpec("sales", "customers", "managed", "parquet",
              "CREATE TABLE sales.customers (customer_id BIGINT, name STRING, email STRING, country STRING, "
              "segment STRING, created_at TIMESTAMP) STORED AS PARQUET",
              (f"INSERT OVERWRITE TABLE sales.customers SELECT id, concat('Customer ', id), "
               f"concat('customer', id, '@example.com'), {_pick(COUNTRIES, 1)}, "
               f"{_pick(['retail', 'smb', 'enterprise'], 2)}, "
               f"timestamp_seconds(1609459200 + pmod(hash(id, 3), 94608000)) FROM range(1, 2001)",),
              rows=2000),
    TableSpec("sales", "orders", "managed", "orc",
              "CREATE TABLE sales.orders (order_id BIGINT, customer_id BIGINT, status STRING, "
              "amount DECIMAL(12,2), currency STRING) PARTITIONED BY (order_date DATE) STORED AS ORC "
              "TBLPROPERTIES ('orc.compress'='ZLIB')",
              (f"INSERT OVERWRITE TABLE sales.orders PARTITION (order_date) SELECT * FROM ("
               f"SELECT id AS order_id, pmod(hash(id, 4), 2000) + 1 AS customer_id, "
               f"{_pick(['NEW', 'PAID', 'SHIPPED', 'CANCELLED'], 5)} AS status, "
               f"CAST(pmod(hash(id, 6), 100000) / 100.0 AS DECIMAL(12,2)) AS amount, "
               f"{_pick(['EUR', 'EUR', 'EUR', 'USD', 'GBP'], 7)} AS currency, "
               f"date_add(DATE'2023-01-01', CAST(id % {ORDERS_DAYS} AS INT)) AS order_date "
               f"FROM range(0, {ORDERS_DAYS * ORDERS_PER_DAY})) t DISTRIBUTE BY order_date",),
              rows=ORDERS_DAYS * ORDERS_PER_DAY, partitions=ORDERS_DAYS, partition_keys=("order_date",)),
    TableSpec("sales", "order_items", "managed", "parquet",
              "CREATE TABLE sales.order_items (order_id BIGINT, line_no INT, sku STRING, quantity INT, "
              "unit_price DECIMAL(10,2)) PARTITIONED BY (country STRING) STORED AS PARQUET",
              (f"INSERT OVERWRITE TABLE sales.order_items PARTITION (country) SELECT * FROM ("
               f"SELECT CAST(id / 3 AS BIGINT) AS order_id, CAST(id % 3 + 1 AS INT) AS line_no, "
               f"concat('SKU-', lpad(CAST(pmod(hash(id, 8), 5000) AS STRING), 5, '0')) AS sku, "
               f"CAST(pmod(hash(id, 9), 5) + 1 AS INT) AS quantity, "
               f"CAST(pmod(hash(id, 10), 20000) / 100.0 AS DECIMAL(10,2)) AS unit_price, "
               f"{_pick(COUNTRIES, 11)} AS country FROM range(0, 24000)) t DISTRIBUTE BY country",),
              rows=24000, partitions=len(COUNTRIES), partition_keys=("country",)),
    TableSpec("sales", "customers_bucketed", "managed", "orc",
              "CREATE TABLE sales.customers_bucketed (customer_id BIGINT, name STRING, country STRING) "
              "CLUSTERED BY (customer_id) SORTED BY (customer_id) INTO 4 BUCKETS STORED AS ORC",
              ("INSERT OVERWRITE TABLE sales.customers_bucketed SELECT customer_id, name, country "
               "FROM sales.customers",),
              rows=2000),
    TableSpec("sales", "orders_acid", "acid", "orc", "", rows=None, owner="hive", raw_files=True,
              notes=("transactional=true, created through the metastore thrift API (Spark refuses ACID DDL); "
                     "delta/delete_delta directories written by the seeder",)),
    TableSpec("sales", "v_order_summary", "view", "view",
              "CREATE VIEW sales.v_order_summary AS SELECT o.order_date, c.country, c.segment, "
              "count(*) AS orders, sum(o.amount) AS revenue FROM sales.orders o "
              "JOIN sales.customers c ON o.customer_id = c.customer_id "
              "WHERE o.status <> 'CANCELLED' GROUP BY o.order_date, c.country, c.segment",
              owner="analyst"),
    TableSpec("sales", "v_big_orders", "view", "view",
              "CREATE VIEW sales.v_big_orders AS SELECT order_id, customer_id, amount, currency, order_date "
              "FROM sales.orders WHERE amount > 900", owner="analyst"),
    # ---- hr ---------------------------------------------------------------------------------
    TableSpec("hr", "employees", "managed", "text",
              "CREATE TABLE hr.employees (employee_id INT, first_name VARCHAR(50), last_name VARCHAR(50), "
              "country_code CHAR(2), dept_id INT, salary DECIMAL(10,2), bonus_pct DECIMAL(5,2), "
              "hired_at TIMESTAMP, active BOOLEAN, manager_id INT) "
              "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED AS TEXTFILE",
              (f"INSERT OVERWRITE TABLE hr.employees SELECT CAST(id AS INT), "
               f"{_pick(['Alice', 'Bruno', 'Chloe', 'David', 'Emma', 'Farid', 'Greta', 'Hugo'], 12)}, "
               f"concat('Name', id), {_pick(COUNTRIES, 13)}, CAST(pmod(hash(id, 14), 12) + 1 AS INT), "
               f"CAST(30000 + pmod(hash(id, 15), 90000) AS DECIMAL(10,2)), "
               f"CAST(pmod(hash(id, 16), 2000) / 100.0 AS DECIMAL(5,2)), "
               f"timestamp_seconds(1262304000 + pmod(hash(id, 17), 441504000)), pmod(hash(id, 18), 10) > 0, "
               f"CASE WHEN id > 10 THEN CAST(pmod(hash(id, 19), 10) + 1 AS INT) END FROM range(1, 501)",),
              rows=500, owner="hive"),
    TableSpec("hr", "departments", "managed", "avro",
              "CREATE TABLE hr.departments (dept_id INT, name STRING, cost_center STRING) STORED AS AVRO",
              ("INSERT OVERWRITE TABLE hr.departments SELECT CAST(id AS INT), concat('Department ', id), "
               "concat('CC-', lpad(CAST(id * 7 AS STRING), 4, '0')) FROM range(1, 13)",),
              rows=12, owner="hive"),
    TableSpec("hr", "employee_profiles", "managed", "parquet",
              "CREATE TABLE hr.employee_profiles (employee_id INT, badge CHAR(6), title VARCHAR(100), "
              "rating DECIMAL(4,2), updated_at TIMESTAMP, skills ARRAY<STRING>, languages MAP<STRING,INT>, "
              "address STRUCT<street:STRING, city:STRING, zip:STRING>) STORED AS PARQUET",
              (f"INSERT OVERWRITE TABLE hr.employee_profiles SELECT CAST(id AS INT), "
               f"concat('B', lpad(CAST(id AS STRING), 5, '0')), "
               f"{_pick(['Engineer', 'Analyst', 'Manager', 'Director'], 20)}, "
               f"CAST(pmod(hash(id, 21), 500) / 100.0 AS DECIMAL(4,2)), "
               f"timestamp_seconds(1700000000 + pmod(hash(id, 22), 10000000)), "
               f"array({_pick(['sql', 'python', 'java', 'scala'], 23)}, {_pick(['hive', 'spark', 'airflow'], 24)}), "
               f"map('fr', CAST(pmod(hash(id, 25), 5) AS INT), 'en', CAST(pmod(hash(id, 26), 5) AS INT)), "
               f"named_struct('street', concat(id, ' rue de la Paix'), 'city', {_pick(['Paris', 'Lyon', 'Lille'], 27)}, "
               f"'zip', lpad(CAST(pmod(hash(id, 28), 95000) AS STRING), 5, '0')) FROM range(1, 501)",),
              rows=500, owner="hive"),
    TableSpec("hr", "v_employee_directory", "view", "view",
              "CREATE VIEW hr.v_employee_directory AS SELECT e.employee_id, e.first_name, e.last_name, "
              "d.name AS department, d.cost_center FROM hr.employees e "
              "JOIN hr.departments d ON e.dept_id = d.dept_id WHERE e.active", owner="analyst"),
    # ---- logs -------------------------------------------------------------------------------
    TableSpec("logs", "web_events", "external", "text",
              "CREATE EXTERNAL TABLE logs.web_events (event_time TIMESTAMP, user_id BIGINT, url STRING, "
              "status INT, bytes BIGINT, user_agent STRING) PARTITIONED BY (dt STRING, hour STRING) "
              "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' STORED AS TEXTFILE "
              "LOCATION '/data/raw/logs/web_events'",
              (f"INSERT OVERWRITE TABLE logs.web_events PARTITION (dt, hour) SELECT * FROM ("
               f"SELECT timestamp_seconds(1704067200 + CAST(id / {WEB_PER_HOUR} AS BIGINT) * 3600 + pmod(hash(id, 29), 3600)) "
               f"AS event_time, pmod(hash(id, 30), 5000) AS user_id, "
               f"concat('/shop/', {_pick(['home', 'cart', 'product', 'checkout', 'search'], 31)}) AS url, "
               f"CAST({_pick(['200', '200', '200', '304', '404', '500'], 32)} AS INT) AS status, "
               f"pmod(hash(id, 33), 50000) AS bytes, {_pick(['Mozilla/5.0', 'curl/8.0', 'okhttp/4.9'], 34)} AS user_agent, "
               f"date_format(date_add(DATE'2024-01-01', CAST(id / ({WEB_PER_HOUR} * {WEB_HOURS}) AS INT)), 'yyyy-MM-dd') AS dt, "
               f"lpad(CAST(CAST(id / {WEB_PER_HOUR} AS INT) % {WEB_HOURS} AS STRING), 2, '0') AS hour "
               f"FROM range(0, {WEB_DAYS * WEB_HOURS * WEB_PER_HOUR})) t DISTRIBUTE BY dt, hour",),
              rows=WEB_DAYS * WEB_HOURS * WEB_PER_HOUR, partitions=WEB_DAYS * WEB_HOURS, partition_keys=("dt", "hour")),
    TableSpec("logs", "app_logs_csv", "external", "csv",
              "CREATE EXTERNAL TABLE logs.app_logs_csv (ts STRING, level STRING, service STRING, message STRING) "
              "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
              "WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='\"', 'escapeChar'='\\\\') "
              f"STORED AS TEXTFILE LOCATION '{EXTERNAL}/logs.db/app_logs_csv' "
              "TBLPROPERTIES ('skip.header.line.count'='1')",
              raw_files=True, notes=("rows exclude the header line of each of the 3 files, as Hive counts them; "
                                     "Spark's Hive serde reader returns the headers as rows",)),
    TableSpec("logs", "clickstream_raw", "external", "text",
              "CREATE EXTERNAL TABLE logs.clickstream_raw (ts BIGINT, session_id STRING, page STRING, ms INT) "
              "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' STORED AS TEXTFILE "
              "LOCATION '/data/raw/clickstream/2024-03-01'",
              raw_files=True, notes=("directory of many small files",)),
    # ---- staging ----------------------------------------------------------------------------
    TableSpec("staging", "customers_import", "external", "text",
              "CREATE EXTERNAL TABLE staging.customers_import (customer_id BIGINT, name STRING, email STRING, "
              "country STRING, segment STRING, created_at TIMESTAMP) "
              "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED AS TEXTFILE "
              "LOCATION '/data/staging/customers_import'",
              raw_files=True),
    TableSpec("staging", "orders_raw", "external", "parquet",
              "CREATE EXTERNAL TABLE staging.orders_raw (order_id BIGINT, customer_id BIGINT, status STRING, "
              "amount DOUBLE, currency STRING, order_date STRING) STORED AS PARQUET "
              f"LOCATION '{EXTERNAL}/staging.db/orders_raw'",
              ("INSERT OVERWRITE TABLE staging.orders_raw SELECT order_id, customer_id, status, "
               "CAST(amount AS DOUBLE), currency, CAST(order_date AS STRING) FROM sales.orders "
               "WHERE order_date >= DATE'2024-01-20'",),
              rows=(ORDERS_DAYS - 384) * ORDERS_PER_DAY),
    TableSpec("staging", "orders_2019", "external", "parquet",
              "CREATE EXTERNAL TABLE staging.orders_2019 (order_id BIGINT, amount DOUBLE) STORED AS PARQUET "
              "LOCATION '/data/staging/orders_2019'",
              rows=0, dangling=True, notes=("its location is deleted after creation",)),
    # ---- finance ----------------------------------------------------------------------------
    TableSpec("finance", "ledger", "managed", "parquet",
              "CREATE TABLE finance.ledger (entry_id BIGINT, account STRING, amount DECIMAL(18,2), "
              "currency STRING, posted_at TIMESTAMP) PARTITIONED BY (fiscal_year INT, fiscal_month INT) "
              "STORED AS PARQUET",
              (f"INSERT OVERWRITE TABLE finance.ledger PARTITION (fiscal_year, fiscal_month) SELECT * FROM ("
               f"SELECT id AS entry_id, concat('6', lpad(CAST(pmod(hash(id, 35), 1000) AS STRING), 5, '0')) AS account, "
               f"CAST((pmod(hash(id, 36), 2000000) - 1000000) / 100.0 AS DECIMAL(18,2)) AS amount, "
               f"{_pick(['EUR', 'EUR', 'USD'], 37)} AS currency, "
               f"timestamp_seconds(unix_timestamp(make_date({LEDGER_YEARS[0]} + CAST(id / ({LEDGER_PER_MONTH} * 12) AS INT), "
               f"CAST(id / {LEDGER_PER_MONTH} AS INT) % 12 + 1, 1)) + pmod(hash(id, 38), 2419200)) AS posted_at, "
               f"{LEDGER_YEARS[0]} + CAST(id / ({LEDGER_PER_MONTH} * 12) AS INT) AS fiscal_year, "
               f"CAST(id / {LEDGER_PER_MONTH} AS INT) % 12 + 1 AS fiscal_month "
               f"FROM range(0, {len(LEDGER_YEARS) * 12 * LEDGER_PER_MONTH})) t DISTRIBUTE BY fiscal_year, fiscal_month",),
              rows=len(LEDGER_YEARS) * 12 * LEDGER_PER_MONTH, owner="finance", partitions=len(LEDGER_YEARS) * 12,
              partition_keys=("fiscal_year", "fiscal_month")),
    TableSpec("finance", "fx_rates", "external", "orc",
              "CREATE EXTERNAL TABLE finance.fx_rates (rate_date DATE, currency STRING, rate DECIMAL(12,6)) "
              f"STORED AS ORC LOCATION '{EXTERNAL}/finance.db/fx_rates'",
              ("INSERT OVERWRITE TABLE finance.fx_rates SELECT date_add(DATE'2023-01-01', CAST(id / 4 AS INT)), "
               "element_at(array('USD', 'GBP', 'CHF', 'JPY'), CAST(id % 4 AS INT) + 1), "
               "CAST(1 + pmod(hash(id, 39), 100000) / 100000.0 AS DECIMAL(12,6)) FROM range(0, 1460)",),
              rows=1460, owner="finance"),
    TableSpec("finance", "v_monthly_pnl", "view", "view",
              "CREATE VIEW finance.v_monthly_pnl AS SELECT fiscal_year, fiscal_month, account, "
              "sum(amount) AS balance FROM finance.ledger GROUP BY fiscal_year, fiscal_month, account",
              owner="finance"),
)

# A directory under a warehouse root that no table owns (left behind by a dropped table).
ORPHAN_DIRS = (f"{MANAGED}/staging.db/tmp_orders_old", f"{EXTERNAL}/old_marketing.db/campaigns")


def by_name() -> dict[str, TableSpec]:
    return {t.full_name: t for t in TABLES}
