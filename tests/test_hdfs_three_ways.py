"""The three HDFS sources agree on one real namespace: a live WebHDFS walk, our parse of the NameNode's
fsimage (checkpointed with -saveNamespace and downloaded over /imagetransfer), and Hadoop's own
`oiv -p Delimited` text of that image read by our oiv reader. A scratch NameNode + DataNode is
started (safe mode would disturb the shared sandbox)."""
import time

import pytest

from okdp_migrate.connectors.fsimage import FsImage
from okdp_migrate.connectors.oiv_delimited import OivDelimited
from okdp_migrate.errors import MissingDependency

pytestmark = [pytest.mark.services, pytest.mark.slow]
ROOT = "/three"
KEYS = ("path", "kind", "size", "replication", "owner", "group", "permission")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    from okdp_migrate.hadoop_tools import ScratchHdfs

    try:
        h = ScratchHdfs(tmp_path_factory.mktemp("scratch-hdfs"))
    except MissingDependency as exc:
        pytest.skip(str(exc))
    with h:
        yield h


def _populate(url: str, user: str) -> None:
    from hdfs import InsecureClient

    c = InsecureClient(url, user=user)
    c.makedirs(f"{ROOT}/sales/dt=2024-01-01", permission="750")
    c.makedirs(f"{ROOT}/empty")
    c.write(f"{ROOT}/sales/dt=2024-01-01/part-0.parquet", data=b"x" * 123_457)
    c.write(f"{ROOT}/sales/dt=2024-01-01/_SUCCESS", data=b"")
    c.write(f"{ROOT}/readme.txt", data=b"hello", permission="600")
    c.set_owner(f"{ROOT}/sales", owner="etl", group="analysts")
    c.set_owner(f"{ROOT}/readme.txt", owner="ann", group="users")
    c.set_permission(f"{ROOT}/empty", "1777")


def _norm(rows) -> dict:
    return {r.path: tuple(getattr(r, k) for k in KEYS) + (r.mtime // 60000,) for r in rows
            if r.path == ROOT or r.path.startswith(ROOT + "/")}


def test_live_walk_fsimage_and_oiv_agree(scratch, tmp_path):
    from okdp_migrate.connectors.webhdfs_walk import WebHdfsWalker
    from okdp_migrate.hadoop_tools import run_oiv

    env = scratch.env
    _populate(env["webhdfs_url"], env["hdfs_user"])
    time.sleep(1)
    walker = WebHdfsWalker(env["webhdfs_url"], user=env["hdfs_user"])
    live = _norm(e for b in walker.walk(ROOT) for e in b)
    image = scratch.save_and_fetch_image(tmp_path / "fsimage_latest")
    ours = _norm(e for b in FsImage(image).entries() for e in b)
    text = run_oiv(image, tmp_path / "oiv.tsv")
    theirs = _norm(e for b in OivDelimited(text).entries() for e in b)
    assert len(ours) == 7  # /three, 3 dirs, 3 files
    assert ours == theirs
    live.pop(ROOT, None), ours.pop(ROOT)  # a walk lists below its root
    assert live == ours
    part = ours[f"{ROOT}/sales/dt=2024-01-01/part-0.parquet"]
    assert part[:3] == (f"{ROOT}/sales/dt=2024-01-01/part-0.parquet", "file", 123_457)
    assert ours[f"{ROOT}/sales"][4:7] == ("etl", "analysts", "750")
    assert ours[f"{ROOT}/empty"][6] == "1777"
