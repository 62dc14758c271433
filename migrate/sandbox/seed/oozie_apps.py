"""Oozie applications as HDP/CDH estates keep them in HDFS: one directory per app holding
workflow.xml, coordinator.xml or bundle.xml, job.properties, the scripts the actions reference and lib/.

Pure: returns {relative path: bytes}; the seeder uploads them under /user/etl/apps/<app>/.
The XML is written by hand for this sandbox (not copied from any corpus) and uses the action
schemas TDP-era clusters ran: workflow 0.5, hive2 0.2, shell 0.3, spark 0.2, coordinator 0.4, bundle 0.2.
"""
from __future__ import annotations

import io
import zipfile

APPS_ROOT = "/user/etl/apps"

_GLOBAL = """  <global>
    <job-tracker>${jobTracker}</job-tracker>
    <name-node>${nameNode}</name-node>
    <configuration>
      <property><name>mapreduce.job.queuename</name><value>${queueName}</value></property>
    </configuration>
  </global>
"""

_KILL = """  <kill name="fail">
    <message>@APP@ failed at [${wf:lastErrorNode()}]: ${wf:errorMessage(wf:lastErrorNode())}</message>
  </kill>
  <end name="end"/>
</workflow-app>
"""

DAILY_SALES_WORKFLOW = """<workflow-app name="daily_sales_etl" xmlns="uri:oozie:workflow:0.5">
""" + _GLOBAL + """  <start to="check-input"/>
  <decision name="check-input">
    <switch>
      <case to="prepare">${fs:exists(concat(inputDir, '/_SUCCESS'))}</case>
      <default to="end"/>
    </switch>
  </decision>
  <action name="prepare">
    <fs>
      <delete path="${nameNode}/data/staging/daily_sales/${runDate}"/>
      <mkdir path="${nameNode}/data/staging/daily_sales/${runDate}"/>
      <chmod path="${nameNode}/data/staging/daily_sales/${runDate}" permissions="750" dir-files="false"/>
    </fs>
    <ok to="fork-load"/>
    <error to="fail"/>
  </action>
  <fork name="fork-load">
    <path start="load-orders"/>
    <path start="load-customers"/>
  </fork>
  <action name="load-orders">
    <hive2 xmlns="uri:oozie:hive2-action:0.2">
      <jdbc-url>${hiveJdbcUrl}</jdbc-url>
      <script>scripts/load_orders.hql</script>
      <param>RUN_DATE=${runDate}</param>
      <param>INPUT_DIR=${inputDir}</param>
    </hive2>
    <ok to="join-load"/>
    <error to="fail"/>
  </action>
  <action name="load-customers">
    <hive2 xmlns="uri:oozie:hive2-action:0.2">
      <jdbc-url>${hiveJdbcUrl}</jdbc-url>
      <script>scripts/load_customers.hql</script>
      <param>RUN_DATE=${runDate}</param>
    </hive2>
    <ok to="join-load"/>
    <error to="fail"/>
  </action>
  <join name="join-load" to="aggregate"/>
  <action name="aggregate">
    <spark xmlns="uri:oozie:spark-action:0.2">
      <master>yarn</master>
      <mode>cluster</mode>
      <name>sales-aggregate-${runDate}</name>
      <class>com.example.sales.DailyAggregate</class>
      <jar>${nameNode}@APP_DIR@/lib/sales-aggregate.jar</jar>
      <spark-opts>--executor-memory 2g --num-executors 4 --conf spark.sql.shuffle.partitions=64</spark-opts>
      <arg>--date</arg>
      <arg>${runDate}</arg>
    </spark>
    <ok to="notify"/>
    <error to="fail"/>
  </action>
  <action name="notify">
    <shell xmlns="uri:oozie:shell-action:0.3">
      <exec>notify.sh</exec>
      <argument>${runDate}</argument>
      <argument>${wf:id()}</argument>
      <file>scripts/notify.sh#notify.sh</file>
    </shell>
    <ok to="end"/>
    <error to="fail"/>
  </action>
""" + _KILL.replace("@APP@", "daily_sales_etl")

DAILY_SALES_COORDINATOR = """<coordinator-app name="daily_sales_etl_coord" frequency="${coord:days(1)}"
    start="${startTime}" end="${endTime}" timezone="Europe/Paris" xmlns="uri:oozie:coordinator:0.4">
  <controls>
    <timeout>180</timeout>
    <concurrency>1</concurrency>
    <execution>FIFO</execution>
  </controls>
  <datasets>
    <dataset name="web_events" frequency="${coord:days(1)}" initial-instance="2024-01-01T00:00Z" timezone="UTC">
      <uri-template>${nameNode}/data/raw/logs/web_events/dt=${YEAR}-${MONTH}-${DAY}</uri-template>
      <done-flag>_SUCCESS</done-flag>
    </dataset>
  </datasets>
  <input-events>
    <data-in name="input" dataset="web_events">
      <instance>${coord:current(-1)}</instance>
    </data-in>
  </input-events>
  <action>
    <workflow>
      <app-path>${workflowAppPath}</app-path>
      <configuration>
        <property><name>inputDir</name><value>${coord:dataIn('input')}</value></property>
        <property>
          <name>runDate</name>
          <value>${coord:formatTime(coord:dateOffset(coord:nominalTime(), -1, 'DAY'), 'yyyy-MM-dd')}</value>
        </property>
      </configuration>
    </workflow>
  </action>
</coordinator-app>
"""

LOAD_ORDERS_HQL = """-- Daily load of orders from the raw landing zone (run by daily_sales_etl/load-orders)
SET hive.exec.dynamic.partition=true;
SET hive.exec.dynamic.partition.mode=nonstrict;

INSERT OVERWRITE TABLE sales.orders PARTITION (order_date)
SELECT o.order_id, o.customer_id, o.status, CAST(o.amount AS DECIMAL(12,2)), o.currency, o.order_date
FROM staging.orders_raw o
WHERE o.order_date = '${RUN_DATE}';

ANALYZE TABLE sales.orders PARTITION (order_date='${RUN_DATE}') COMPUTE STATISTICS;
"""

LOAD_CUSTOMERS_HQL = """-- Merge the customers extract into the curated table
INSERT OVERWRITE TABLE sales.customers
SELECT c.customer_id, c.name, c.email, c.country, c.segment, c.created_at
FROM staging.customers_import c
LEFT JOIN sales.customers old ON old.customer_id = c.customer_id
WHERE old.customer_id IS NULL OR c.created_at > old.created_at;
"""

NOTIFY_SH = """#!/bin/bash
# Tell the sales team the daily load is ready (called by the notify shell action)
set -euo pipefail
RUN_DATE="$1"; WF_ID="$2"
echo "daily_sales_etl ${RUN_DATE} done (${WF_ID})" | logger -t oozie-daily-sales
hdfs dfs -touchz /data/staging/daily_sales/${RUN_DATE}/_READY
"""

HR_WORKFLOW = """<workflow-app name="hr_weekly_snapshot" xmlns="uri:oozie:workflow:0.5">
""" + _GLOBAL + """  <start to="snapshot-employees"/>
  <action name="snapshot-employees">
    <hive2 xmlns="uri:oozie:hive2-action:0.2">
      <jdbc-url>${hiveJdbcUrl}</jdbc-url>
      <script>scripts/snapshot_employees.hql</script>
      <param>WEEK=${week}</param>
    </hive2>
    <ok to="archive"/>
    <error to="fail"/>
  </action>
  <action name="archive">
    <fs>
      <move source="${nameNode}/data/staging/hr/${week}" target="${nameNode}/data/archive/hr/${week}"/>
    </fs>
    <ok to="end"/>
    <error to="fail"/>
  </action>
""" + _KILL.replace("@APP@", "hr_weekly_snapshot")

HR_COORDINATOR = """<coordinator-app name="hr_weekly_snapshot_coord" frequency="0 3 * * 1"
    start="${startTime}" end="${endTime}" timezone="Europe/Paris" xmlns="uri:oozie:coordinator:0.4">
  <action>
    <workflow>
      <app-path>${nameNode}@APP_DIR@</app-path>
      <configuration>
        <property><name>week</name><value>${coord:formatTime(coord:nominalTime(), 'yyyy-ww')}</value></property>
      </configuration>
    </workflow>
  </action>
</coordinator-app>
"""

SNAPSHOT_EMPLOYEES_HQL = """-- Weekly copy of the employee directory for HR reporting
CREATE TABLE IF NOT EXISTS hr.employees_weekly LIKE hr.employees;
INSERT INTO TABLE hr.employees_weekly
SELECT * FROM hr.employees WHERE active = true;
"""

LEDGER_WORKFLOW = """<workflow-app name="finance_ledger_load" xmlns="uri:oozie:workflow:0.5">
""" + _GLOBAL + """  <start to="load-ledger"/>
  <action name="load-ledger">
    <hive2 xmlns="uri:oozie:hive2-action:0.2">
      <jdbc-url>${hiveJdbcUrl}</jdbc-url>
      <script>scripts/load_ledger.hql</script>
      <param>YEAR=${year}</param>
      <param>MONTH=${month}</param>
    </hive2>
    <ok to="end"/>
    <error to="fail"/>
  </action>
""" + _KILL.replace("@APP@", "finance_ledger_load")

FX_WORKFLOW = """<workflow-app name="finance_fx_refresh" xmlns="uri:oozie:workflow:0.5">
""" + _GLOBAL + """  <start to="fetch-rates"/>
  <action name="fetch-rates">
    <shell xmlns="uri:oozie:shell-action:0.3">
      <exec>fetch_fx.sh</exec>
      <argument>${day}</argument>
      <file>scripts/fetch_fx.sh#fetch_fx.sh</file>
      <capture-output/>
    </shell>
    <ok to="end"/>
    <error to="fail"/>
  </action>
""" + _KILL.replace("@APP@", "finance_fx_refresh")

LOAD_LEDGER_HQL = """-- Month-end ledger load, partitioned by fiscal year and month
INSERT OVERWRITE TABLE finance.ledger PARTITION (fiscal_year=${YEAR}, fiscal_month=${MONTH})
SELECT entry_id, account, amount, currency, posted_at
FROM staging.ledger_extract
WHERE year(posted_at) = ${YEAR} AND month(posted_at) = ${MONTH};
"""

FETCH_FX_SH = """#!/bin/bash
# Land the ECB reference rates of a day next to the fx_rates table
set -euo pipefail
DAY="$1"
hdfs dfs -put -f "/var/spool/fx/rates_${DAY}.orc" /warehouse/tablespace/external/hive/finance.db/fx_rates/
echo "rows=$(wc -l < /var/spool/fx/rates_${DAY}.csv)"
"""


def _coordinator(name: str, app_dir: str, frequency: str) -> str:
    return f"""<coordinator-app name="{name}" frequency="{frequency}"
    start="${{startTime}}" end="${{endTime}}" timezone="UTC" xmlns="uri:oozie:coordinator:0.4">
  <action>
    <workflow>
      <app-path>${{nameNode}}{app_dir}</app-path>
    </workflow>
  </action>
</coordinator-app>
"""


def _bundle(app_dir: str) -> str:
    return f"""<bundle-app name="finance_month_close" xmlns="uri:oozie:bundle:0.2">
  <parameters>
    <property><name>kickOffTime</name><value>2024-01-01T02:00Z</value></property>
  </parameters>
  <controls>
    <kick-off-time>${{kickOffTime}}</kick-off-time>
  </controls>
  <coordinator name="ledger_load">
    <app-path>${{nameNode}}{app_dir}/ledger/coordinator.xml</app-path>
    <configuration>
      <property><name>year</name><value>${{year}}</value></property>
    </configuration>
  </coordinator>
  <coordinator name="fx_refresh">
    <app-path>${{nameNode}}{app_dir}/fx/coordinator.xml</app-path>
  </coordinator>
</bundle-app>
"""


def _properties(pairs: dict[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in pairs.items())


def _fake_jar(main_class: str) -> bytes:
    """A real (tiny) jar: a zip with a manifest naming the main class, as a scan would find it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, f"Manifest-Version: 1.0\nMain-Class: {main_class}\n")
    return buf.getvalue()


def build_apps(name_node: str, job_tracker: str, hive_jdbc_url: str) -> dict[str, dict[str, bytes]]:
    """{app directory in HDFS: {relative file: content}} for every seeded Oozie application."""
    common = {"nameNode": name_node, "jobTracker": job_tracker, "queueName": "etl",
              "hiveJdbcUrl": hive_jdbc_url, "oozie.use.system.libpath": "true", "user.name": "etl"}
    sales = f"{APPS_ROOT}/daily_sales_etl"
    hr = f"{APPS_ROOT}/hr_weekly_snapshot"
    fin = f"{APPS_ROOT}/finance_close"
    apps: dict[str, dict[str, str | bytes]] = {
        sales: {
            "workflow.xml": DAILY_SALES_WORKFLOW.replace("@APP_DIR@", sales),
            "coordinator.xml": DAILY_SALES_COORDINATOR,
            "job.properties": _properties({**common, "startTime": "2024-01-01T01:00Z", "endTime": "2099-12-31T00:00Z",
                                           "workflowAppPath": "${nameNode}" + sales,
                                           "oozie.coord.application.path": "${nameNode}" + sales + "/coordinator.xml"}),
            "scripts/load_orders.hql": LOAD_ORDERS_HQL,
            "scripts/load_customers.hql": LOAD_CUSTOMERS_HQL,
            "scripts/notify.sh": NOTIFY_SH,
            "lib/sales-aggregate.jar": _fake_jar("com.example.sales.DailyAggregate"),
        },
        hr: {
            "workflow.xml": HR_WORKFLOW,
            "coordinator.xml": HR_COORDINATOR.replace("@APP_DIR@", hr),
            "job.properties": _properties({**common, "startTime": "2024-01-01T03:00Z", "endTime": "2099-12-31T00:00Z",
                                           "oozie.coord.application.path": "${nameNode}" + hr + "/coordinator.xml"}),
            "scripts/snapshot_employees.hql": SNAPSHOT_EMPLOYEES_HQL,
        },
        fin: {
            "bundle.xml": _bundle(fin),
            "job.properties": _properties({**common, "year": "2024",
                                           "startTime": "2024-01-01T02:00Z", "endTime": "2099-12-31T00:00Z",
                                           "oozie.bundle.application.path": "${nameNode}" + fin + "/bundle.xml"}),
            "ledger/coordinator.xml": _coordinator("finance_ledger_coord", fin + "/ledger", "${coord:months(1)}"),
            "ledger/workflow.xml": LEDGER_WORKFLOW,
            "ledger/scripts/load_ledger.hql": LOAD_LEDGER_HQL,
            "fx/coordinator.xml": _coordinator("finance_fx_coord", fin + "/fx", "${coord:days(1)}"),
            "fx/workflow.xml": FX_WORKFLOW,
            "fx/scripts/fetch_fx.sh": FETCH_FX_SH,
        },
    }
    return {d: {rel: c if isinstance(c, bytes) else c.encode() for rel, c in files.items()}
            for d, files in apps.items()}


def app_kind(files: dict[str, bytes]) -> str:
    """The entry point Oozie would be given: bundle > coordinator > workflow."""
    for kind in ("bundle", "coordinator", "workflow"):
        if f"{kind}.xml" in files:
            return kind
    raise ValueError("not an Oozie application: no workflow.xml, coordinator.xml or bundle.xml")
