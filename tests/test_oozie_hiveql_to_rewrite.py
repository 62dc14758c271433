"""The HiveQL that seeded Oozie workflows run is found by scan (read from the real HDFS) and translated by
`rewrite --from-scan`, so a migration team reviews its ETL scripts and its views in one report."""
import json
from pathlib import Path

import pytest

from okdp_migrate.cli import main

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def scanned(sandbox, tmp_path_factory):
    manifest = json.loads((Path(sandbox["state_dir"]) / "seed_manifest.json").read_text())
    conf = tmp_path_factory.mktemp("conf") / "env.json"
    conf.write_text(json.dumps(sandbox))
    out = tmp_path_factory.mktemp("scan")
    code = main(["--config", str(conf), "scan", "--out", str(out), "--root", manifest["oozie"]["root"],
                 "--no-metastore", "--no-hiveserver2", "--no-ranger", "--no-hbase", "--no-workloads", "--no-configs"])
    assert code == 0
    return manifest, out


def test_scan_reads_every_seeded_hive_script_of_the_workflows(scanned):
    manifest, out = scanned
    expected = {f"{app['path']}/{f}" for app in manifest["oozie"]["apps"] for f in app["files"] if f.endswith(".hql")}
    scripts = json.loads((out / "oozie_scripts.json").read_text())
    assert {s["path"] for s in scripts} == expected
    assert len(expected) == manifest["oozie"]["hql_scripts"]
    for s in scripts:
        assert s["text"].strip() and s["action"] and s["app"]


def test_rewrite_from_scan_translates_the_workflow_scripts(scanned, tmp_path, capsys):
    _, out = scanned
    code = main(["--json", "rewrite", "--from-scan", str(out), "--out", str(tmp_path / "rw"), "--no-validate"])
    assert code == 0
    report = json.loads((tmp_path / "rw" / "report.json").read_text())
    files = {s["file"] for s in report["statements"]}
    scripts = {s["path"] for s in json.loads((out / "oozie_scripts.json").read_text())}
    assert all(any(p in f for f in files) for p in scripts), (files, scripts)
    overwrites = [s for s in report["statements"] if s["kind"] == "insert_overwrite"]
    assert overwrites, "the seeded ETL scripts overwrite partitions"
    # INSERT OVERWRITE is never silently 'translated' for Trino: it becomes DELETE + INSERT, flagged for review
    assert all(s["targets"]["trino"]["status"] in ("review", "unsupported") for s in overwrites)
