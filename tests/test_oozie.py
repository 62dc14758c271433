"""Oozie: every application of the corpus parses (or is reported in one line when its XML is broken),
workflows/coordinators/bundles are typed, HDFS-style listing callables work, REST client against a FAKE Oozie."""
import xml.etree.ElementTree as ET
from fake_http import JsonHandler, serving
from pathlib import Path

import pytest

from okdp_migrate.connectors.oozie import OozieServer, parse_properties, scan_listing, scan_tree
from okdp_migrate.errors import ServiceUnreachable

pytestmark = pytest.mark.unit
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "oozie"

WF = """<workflow-app name="etl" xmlns="uri:oozie:workflow:0.5">
  <parameters><property><name>day</name><value>2024-01-01</value></property>
              <property><name>db.password</name><value>hunter2</value></property></parameters>
  <start to="split"/>
  <fork name="split"><path start="load"/><path start="spark"/></fork>
  <action name="load"><hive2 xmlns="uri:oozie:hive2-action:0.1"><jdbc-url>${jdbc}</jdbc-url>
      <script>load.hql</script><param>DAY=${day}</param></hive2><ok to="join"/><error to="fail"/></action>
  <action name="spark"><spark xmlns="uri:oozie:spark-action:0.2"><master>yarn</master><name>agg</name>
      <class>com.acme.Agg</class><jar>${nameNode}/apps/agg.jar</jar><arg>--day</arg><arg>${day}</arg></spark>
      <ok to="join"/><error to="fail"/></action>
  <join name="join" to="check"/>
  <decision name="check"><switch><case to="mail">${wf:conf('notify') eq 'true'}</case><default to="end"/></switch></decision>
  <action name="mail"><email xmlns="uri:oozie:email-action:0.2"><to>ops@acme</to><subject>done</subject><body>x</body></email>
      <ok to="end"/><error to="fail"/></action>
  <action name="weird"><custom-thing xmlns="uri:acme:x"/><ok to="end"/><error to="fail"/></action>
  <kill name="fail"><message>failed ${wf:errorMessage(wf:lastErrorNode())}</message></kill>
  <end name="end"/>
</workflow-app>"""
COORD = """<coordinator-app name="daily" frequency="${coord:days(1)}" start="2024-01-01T00:00Z" end="2025-01-01T00:00Z"
  timezone="UTC" xmlns="uri:oozie:coordinator:0.4">
  <datasets><dataset name="raw" frequency="${coord:days(1)}" initial-instance="2024-01-01T00:00Z" timezone="UTC">
    <uri-template>${nameNode}/data/raw/${YEAR}${MONTH}${DAY}</uri-template><done-flag>_SUCCESS</done-flag></dataset></datasets>
  <input-events><data-in name="in" dataset="raw"><instance>${coord:current(0)}</instance></data-in></input-events>
  <action><workflow><app-path>${nameNode}/apps/etl</app-path>
    <configuration><property><name>day</name><value>${coord:formatTime(coord:nominalTime(), 'yyyy-MM-dd')}</value></property>
    </configuration></workflow></action>
</coordinator-app>"""
BUNDLE = """<bundle-app name="all" xmlns="uri:oozie:bundle:0.2"><controls><kick-off-time>2024-01-01T00:00Z</kick-off-time></controls>
  <coordinator name="daily"><app-path>${nameNode}/apps/etl/coordinator.xml</app-path></coordinator></bundle-app>"""


def _app(tmp_path: Path) -> Path:
    d = tmp_path / "apps" / "etl"
    d.mkdir(parents=True)
    (d / "workflow.xml").write_text(WF)
    (d / "coordinator.xml").write_text(COORD)
    (d / "bundle.xml").write_text(BUNDLE)
    (d / "job.properties").write_text("nameNode=hdfs://mycluster\njdbc=jdbc:hive2://hs2:10000/\\\n  default\n"
                                      "oozie.wf.application.path=${nameNode}/apps/etl\nmetastore.password=s3cret\n")
    (d / "broken.xml").write_text("<workflow-app name='x'><start to='end'/>")
    return tmp_path / "apps"


def test_workflow_coordinator_bundle_model(tmp_path):
    inv = scan_tree(_app(tmp_path))
    (wf,) = inv.workflows
    assert wf.schema == "uri:oozie:workflow:0.5" and wf.start == "split"
    types = {a.name: a.type for a in wf.actions}
    assert types == {"load": "hive2", "spark": "spark", "mail": "email", "weird": "custom-thing"}
    load = next(a for a in wf.actions if a.name == "load")
    assert load.scripts == ["load.hql"] and load.params == ["DAY=${day}"] and load.details["jdbc-url"] == "${jdbc}"
    spark = next(a for a in wf.actions if a.name == "spark")
    assert spark.main_class == "com.acme.Agg" and spark.args == ["--day", "${day}"] and spark.details["master"] == "yarn"
    assert not next(a for a in wf.actions if a.name == "weird").known
    assert wf.forks == {"split": ["load", "spark"]} and wf.joins == {"join": "check"}
    assert wf.decisions == {"check": ["mail", "end"]} and "fail" in wf.kills
    assert wf.parameters == {"day": "2024-01-01", "db.password": "***"}
    assert "day" in wf.el_expressions and "wf:conf('notify') eq 'true'" in wf.el_expressions
    (c,) = inv.coordinators
    assert c.frequency == "${coord:days(1)}" and c.datasets[0].done_flag == "_SUCCESS"
    assert c.input_events == [{"name": "in", "dataset": "raw", "instances": ["${coord:current(0)}"]}]
    assert c.workflow_path == "${nameNode}/apps/etl" and "day" in c.configuration
    (b,) = inv.bundles
    assert b.coordinators == [{"name": "daily", "app_path": "${nameNode}/apps/etl/coordinator.xml"}]
    props = next(iter(inv.properties.values()))
    assert props["jdbc"] == "jdbc:hive2://hs2:10000/default" and props["metastore.password"] == "***"
    assert len(inv.errors) == 1 and "broken.xml" in inv.errors[0] and "line 1" in inv.errors[0]


def test_listing_callables_give_the_same_inventory(tmp_path):
    root = _app(tmp_path)

    def list_dir(p):
        return [(str(c), c.is_dir()) for c in Path(p).iterdir()]

    inv = scan_listing([str(root)], list_dir, lambda p: Path(p).read_bytes())
    assert (len(inv.workflows), len(inv.coordinators), len(inv.bundles)) == (1, 1, 1)


def test_properties_parser():
    assert parse_properties("# c\n! c\na = 1\nb:2\nc 3\nd=x\\\n   y\n") == {"a": "1", "b": "2", "c": "3", "d": "xy"}


def test_every_corpus_application_parses():
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} absent")
    inv = scan_tree(CORPUS)
    assert len(inv.workflows) >= 100 and len(inv.coordinators) >= 40 and inv.bundles
    assert all(a.type for w in inv.workflows for a in w.actions)
    for line in inv.errors:  # only files that are really broken XML may be reported
        path = line.split(": malformed XML", 1)[0]
        with pytest.raises(ET.ParseError):
            ET.parse(path)


class FakeOozie(JsonHandler):
    """A FAKE Oozie server: /v1/jobs for the three job types, 3 running workflows served in pages."""

    WFS = [{"id": f"000000{i}-oozie-W", "appName": f"wf{i}", "appPath": f"hdfs://nn/apps/wf{i}", "status": "RUNNING",
            "user": "etl"} for i in range(3)]

    def do_GET(self):  # noqa: N802
        from urllib.parse import parse_qs, urlparse

        q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        if q["jobtype"] == "wf":
            off, n = int(q["offset"]), int(q["len"])
            body = {"total": 3, "workflows": self.WFS[off - 1: off - 1 + n]}
        elif q["jobtype"] == "coordinator":
            body = {"total": 1, "coordinatorjobs": [{"coordJobId": "1-C", "coordJobName": "daily", "frequency": "1440",
                                                     "coordJobPath": "hdfs://nn/apps/etl", "status": "RUNNING"}]}
        else:
            body = {"total": 0, "bundlejobs": []}
        self.send_json(body)


def test_rest_running_jobs_against_fake_oozie():
    with serving(FakeOozie) as url:
        jobs = OozieServer(f"{url}/oozie", page=2).running()
    assert [j.app_name for j in jobs] == ["wf0", "wf1", "wf2", "daily"]
    assert jobs[-1].type == "coordinator" and jobs[-1].frequency == "1440"
    with pytest.raises(ServiceUnreachable):
        OozieServer("http://127.0.0.1:9/oozie", timeout=2).running()
