"""fsimage reader: real images from Hadoop 2.x and 3.2, synthetic images for what those lack, clear bad-input errors."""
from pathlib import Path

import pytest

from okdp_migrate.connectors.fsimage import FsImage, read_fsimage
from okdp_migrate.connectors.fsimage_writer import Node, write_fsimage
from okdp_migrate.errors import BadInputError

pytestmark = pytest.mark.unit
SHARED = Path(__file__).resolve().parents[2] / "shared"
IMAGES = SHARED / "fixtures" / "fsimage"


def _image(name: str) -> Path:
    p = IMAGES / name
    if not p.exists():
        pytest.skip(f"{p} absent (../shared fixtures not available)")
    return p


def _rows(path) -> dict:
    return {e.path: e for batch in read_fsimage(path) for e in batch}


@pytest.mark.parametrize("name", ["fsi_small_h2x.img", "fsi_small_h3_2.img", "fsimage_0001"])
def test_real_images_parse_with_paths_owners_and_sizes(name):
    rows = _rows(_image(name))
    assert len(rows) == 30
    assert rows["/"].kind == "dir" and rows["/"].permission == "755"
    big = rows["/test3/test_160MiB.img"]
    assert (big.kind, big.size, big.replication, big.owner, big.group) == ("file", 167772160, 1, "foo", "nobody")
    assert big.block_size == 134217728 and big.permission == "644"
    assert rows["/test3/foo/bar/test_80MiB.img"].replication == 3
    assert rows["/test3/foo/test_1KiB.img"].owner == "root"
    assert sum(e.kind == "dir" for e in rows.values()) == 14


def test_hadoop32_image_uses_masked_string_table_for_users_and_groups():
    # Hadoop 3.2 tags string ids with the table (USER/GROUP) in the top bits: owners must still resolve
    rows = _rows(_image("fsi_small_h3_2.img"))
    assert {e.owner for e in rows.values()} == {"mm", "root", "foo"}
    assert {e.group for e in rows.values()} == {"supergroup", "root", "nobody"}


def _tree() -> Node:
    return Node("", kind="dir", mode=0o755, ns_quota=(1 << 63) - 1, children=[
        Node("data", kind="dir", mode=0o1777, ns_quota=1000, ds_quota=10 << 30, children=[
            Node("a.parquet", size=300 << 20, replication=2, owner="etl", group="etl"),
            Node("link", kind="symlink", target="/data/a.parquet", mode=0o777),
            Node("empty", size=0)]),
        Node("user", kind="dir", owner="alice", group="users", mode=0o750, children=[
            Node("b.txt", size=5, owner="alice", mtime=1_600_000_000_000, atime=1_600_000_100_000)])])


@pytest.mark.parametrize("compress", [False, True])
def test_symlinks_quotas_snapshots_and_gzip(tmp_path, compress):
    p = tmp_path / "fsimage_1"
    write_fsimage(p, _tree(), snapshots=None if compress else {"/data": ["s1", "s2"]}, compress=compress)
    im = FsImage(p)
    rows = {e.path: e for b in im.entries(batch_size=2) for e in b}
    assert set(rows) == {"/", "/data", "/data/a.parquet", "/data/link", "/data/empty", "/user", "/user/b.txt"}
    a = rows["/data/a.parquet"]
    assert (a.size, a.replication, a.owner, a.group) == (300 << 20, 2, "etl", "etl")
    assert rows["/data/link"].kind == "symlink" and rows["/data/link"].permission == "777"
    assert rows["/data"].permission == "1777" and rows["/user"].permission == "750"
    assert (rows["/user/b.txt"].mtime, rows["/user/b.txt"].atime) == (1_600_000_000_000, 1_600_000_100_000)
    assert rows["/data/empty"].size == 0
    assert im.info.quotas == [{"path": "/data", "ns_quota": 1000, "ds_quota": 10 << 30}]
    if not compress:
        assert im.info.snapshottable_dirs == ["/data"]
        assert [s["name"] for s in im.info.snapshots] == ["s1", "s2"]
    else:
        assert im.info.codec.endswith("GzipCodec")


def test_batches_carry_block_counts_and_quota_columns(tmp_path):
    p = tmp_path / "fsimage_2"
    write_fsimage(p, _tree())
    table = {r["path"]: r for b in FsImage(p).batches() for r in b.to_pylist()}
    assert table["/data/a.parquet"]["blocks"] == 3  # 300 MiB in 128 MiB blocks
    assert table["/data"]["ns_quota"] == 1000 and table["/user"]["ns_quota"] == -1


def test_truncated_image_is_one_clear_line(tmp_path):
    src = _image("fsimage_0001").read_bytes()
    for cut in (len(src) // 2, len(src) - 3, 10):
        p = tmp_path / f"cut_{cut}"
        p.write_bytes(src[:cut])
        with pytest.raises(BadInputError) as err:
            list(read_fsimage(p))
        assert "truncated" in str(err.value) and str(p) in str(err.value) and "\n" not in str(err.value)


def test_not_an_image_and_missing_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello world, not an image")
    with pytest.raises(BadInputError, match="HDFSIMG1"):
        FsImage(p)
    with pytest.raises(BadInputError, match="not found"):
        FsImage(tmp_path / "nope")


def test_unsupported_codec_is_reported(tmp_path):
    p = tmp_path / "fsimage_3"
    write_fsimage(p, _tree(), compress=True)
    data = p.read_bytes().replace(b"org.apache.hadoop.io.compress.GzipCodec", b"org.apache.hadoop.io.compress.SnappyCod")
    # the summary length is unchanged (same-length codec name), so only the codec differs
    p.write_bytes(data)
    with pytest.raises(BadInputError, match="SnappyCod"):
        FsImage(p)
