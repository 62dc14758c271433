"""oiv Delimited reader: Hadoop 2.7 (no header) and 2.8+/3.x (header, 'd' prefix, -sp) text, and agreement
with our fsimage reader on the same image through Hadoop's own oiv (skipped when the jars are absent)."""
import dataclasses
from pathlib import Path

import pytest

from okdp_migrate.connectors.fsimage import read_fsimage
from okdp_migrate.connectors.oiv_delimited import OivDelimited, read_oiv_delimited
from okdp_migrate.errors import BadInputError, MissingDependency

pytestmark = pytest.mark.unit
SHARED = Path(__file__).resolve().parents[2] / "shared"

H27 = ("/\t0\t2017-07-22 07:57\t1970-01-01 00:00\t0\t0\t0\t9223372036854775807\t-1\trwxr-xr-x\tmm\tsupergroup\n"
       "/tmp\t0\t2017-06-17 21:03\t1970-01-01 00:00\t0\t0\t0\t-1\t-1\trwxrwxrwt\thdfs\thadoop\n"
       "/tmp/a b.txt\t3\t2017-06-17 21:03\t2017-06-18 10:00\t134217728\t1\t1048576\t0\t0\trw-r--r--\tmm\tsupergroup\n"
       "/tmp/ln\t0\t2017-06-17 21:03\t2017-06-17 21:03\t0\t0\t0\t0\t0\trwxrwxrwx\tmm\tsupergroup\n")
H3 = ("Path\tReplication\tModificationTime\tAccessTime\tPreferredBlockSize\tBlocksCount\tFileSize\tNSQUOTA\tDSQUOTA\t"
      "Permission\tUserName\tGroupName\tStoragePolicyId\n"
      "/\t0\t2024-01-01 00:00\t1970-01-01 00:00\t0\t0\t0\t9223372036854775807\t-1\tdrwxr-xr-x\thdfs\thadoop\t0\n"
      "/cold\t0\t2024-01-01 00:00\t1970-01-01 00:00\t0\t0\t0\t-1\t-1\tdrwxr-x---+\thdfs\thadoop\t2\n"
      "/cold/x\t2\t2024-01-01 00:01\t2024-01-02 00:00\t268435456\t2\t300000000\t0\t0\t-rw-r-----\tetl\tetl\t2\n")


def _rows(p, **kw):
    return {e.path: e for b in read_oiv_delimited(p, **kw) for e in b}


def test_hadoop27_text_without_header(tmp_path):
    p = tmp_path / "oiv.tsv"
    p.write_text(H27)
    rows = _rows(p)
    assert [rows[k].kind for k in ("/", "/tmp", "/tmp/a b.txt", "/tmp/ln")] == ["dir", "dir", "file", "symlink"]
    f = rows["/tmp/a b.txt"]
    assert (f.size, f.replication, f.block_size, f.owner, f.permission) == (1048576, 3, 134217728, "mm", "644")
    assert f.mtime == 1497733380000 and f.atime == 1497780000000  # 2017-06-17 21:03 UTC, minute precision
    assert rows["/tmp"].permission == "1777"


def test_header_sp_and_acl_suffix(tmp_path):
    p = tmp_path / "oiv3.tsv"
    p.write_text(H3)
    rows = _rows(p)
    assert rows["/cold"].kind == "dir" and rows["/cold"].permission == "750"
    assert rows["/cold/x"].storage_policy == "COLD" and rows["/cold/x"].size == 300000000
    assert rows["/"].storage_policy is None


def test_time_zone_offset(tmp_path):
    p = tmp_path / "oiv.tsv"
    p.write_text(H27)
    assert _rows(p, tz_offset_minutes=60)["/tmp/a b.txt"].mtime == 1497733380000 - 3_600_000


def test_malformed_text_is_one_line(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text(H27 + "/x\t1\tnot a date\t2017-06-17 21:03\t1\t1\t1\t0\t0\trw-r--r--\tmm\tsg\n")
    with pytest.raises(BadInputError) as err:
        list(read_oiv_delimited(p))
    assert str(p) in str(err.value) and "\n" not in str(err.value)
    q = tmp_path / "short.tsv"
    q.write_text("/a\t1\t2\n")
    with pytest.raises(BadInputError, match="3 fields"):
        OivDelimited(q)


def _hadoop_oiv(image: Path, out: Path) -> Path:
    from okdp_migrate import hadoop_tools

    try:
        return hadoop_tools.run_oiv(image, out)
    except MissingDependency as exc:
        pytest.skip(f"Hadoop jars absent: {exc}")


@pytest.mark.parametrize("name", ["fsimage_0001", "fsi_small_h2x.img"])
def test_fsimage_and_hadoop_oiv_agree_on_real_images(tmp_path, name):
    image = SHARED / "fixtures" / "fsimage" / name
    if not image.exists():
        pytest.skip(f"{image} absent")
    text = _hadoop_oiv(image, tmp_path / "oiv.tsv")
    ours = {e.path: dataclasses.asdict(e) for b in read_fsimage(image) for e in b}
    theirs = {e.path: dataclasses.asdict(e) for b in read_oiv_delimited(text) for e in b}
    assert ours.keys() == theirs.keys()
    for path, row in ours.items():
        row["mtime"] -= row["mtime"] % 60000  # oiv keeps minutes
        row["atime"] -= row["atime"] % 60000
        assert row == theirs[path], path
