"""`okdp-migrate scan` with offline inputs only (fsimage, local dirs): no services needed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from okdp_migrate.cli import main
from okdp_migrate.inventory import Inventory

pytestmark = pytest.mark.unit
SHARED = Path(__file__).resolve().parents[2] / "shared"
IMAGE = SHARED / "fixtures" / "fsimage" / "fsi_small_h3_2.img"


@pytest.fixture
def image():
    if not IMAGE.exists():
        pytest.skip(f"{IMAGE} absent (../shared fixtures not available)")
    return IMAGE


@pytest.fixture
def clean_env(monkeypatch):
    import os

    for k in list(os.environ):
        if k.startswith("OKDP_MIGRATE_"):
            monkeypatch.delenv(k)


def run(capsys, *args) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["scan", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_fsimage_scan_writes_the_listing_and_the_summary(image, tmp_path, capsys, clean_env):
    from okdp_migrate.connectors.fsimage import read_fsimage

    code, s = run(capsys, "--out", str(tmp_path), "--fsimage", str(image), "--no-oozie")
    assert code == 0 and s["sources"]["hdfs"]["status"] == "ok" and s["hdfs"]["reader"] == "fsimage"
    expected = [e for batch in read_fsimage(image) for e in batch]
    inv = Inventory(tmp_path)
    files = sorted(inv.files(), key=lambda e: e.path)
    assert files == sorted((e for e in expected if e.kind == "file"), key=lambda e: e.path)
    assert s["hdfs"]["files"] == len(files) and s["hdfs"]["bytes"] == sum(e.size for e in files)
    assert s["hdfs"]["directories"] == sum(1 for e in expected if e.kind == "dir")
    for key in ("metastore", "oozie", "ranger", "verdicts", "sources"):
        assert key in s
    assert (tmp_path / "scan_report.html").exists() and (tmp_path / "scan_report.md").exists()


def test_truncated_fsimage_fails_alone_and_the_report_says_so(image, tmp_path, capsys, clean_env):
    bad = tmp_path / "truncated.img"
    bad.write_bytes(image.read_bytes()[: image.stat().st_size // 2])
    scripts = tmp_path / "jobs"
    scripts.mkdir()
    (scripts / "load.sh").write_text("#!/bin/bash\nspark-submit --master yarn --class x app.jar\nhive -f q.hql\n")
    code, s = run(capsys, "--out", str(tmp_path / "out"), "--fsimage", str(bad), "--workload-dir", str(scripts))
    assert code == 8 and s["not_scanned"] == ["hdfs"]
    err = s["sources"]["hdfs"]["error"]
    assert str(bad) in err and "\n" not in err
    assert s["sources"]["workloads"]["status"] == "ok" and s["workloads"]["files"] == 1
    assert "Not scanned:** hdfs" in (tmp_path / "out" / "scan_report.md").read_text()
    assert not (tmp_path / "out" / "hdfs_files.parquet").exists()  # no half listing


def test_resume_skips_a_finished_source(image, tmp_path, capsys, clean_env):
    code, _ = run(capsys, "--out", str(tmp_path), "--fsimage", str(image), "--no-oozie")
    marker = tmp_path / ".scan-state" / "hdfs.json"
    before = marker.read_text()
    code, s = run(capsys, "--out", str(tmp_path), "--fsimage", str(image), "--no-oozie", "--resume")
    assert code == 0 and marker.read_text() == before and s["hdfs"]["files"] > 0


def test_two_offline_hdfs_inputs_are_a_usage_error(tmp_path, capsys):
    assert main(["scan", "--out", str(tmp_path), "--fsimage", "a", "--oiv-delimited", "b"]) == 2


def test_nothing_configured_skips_every_source_quietly(tmp_path, capsys, clean_env):
    code, s = run(capsys, "--out", str(tmp_path))
    assert code == 0 and {v["status"] for v in s["sources"].values()} == {"skipped"}
    assert s["hdfs"]["files"] == 0 and s["verdicts"] == {}
