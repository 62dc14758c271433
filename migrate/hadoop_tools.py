"""Hadoop's own tools, run from the Hadoop 2.7.3 jars the sandbox installs: the Offline Image Viewer
(`hdfs oiv`), `dfsadmin -saveNamespace`, and the NameNode's image download (`/imagetransfer`).

Used by tests and benchmarks to compare our readers with Hadoop's, and by anyone who wants an
fsimage from a NameNode they can reach over HTTP.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from .errors import BadInputError, ServiceUnreachable
from .sandbox import deps

OIV = "org.apache.hadoop.hdfs.tools.offlineImageViewer.OfflineImageViewerPB"
DFSADMIN = "org.apache.hadoop.hdfs.tools.DFSAdmin"


def java_cmd(main_class: str, *args: str, heap: str = "-Xmx2g", conf_dir: Path | None = None) -> list[str]:
    cp = ([str(conf_dir)] if conf_dir else []) + [f"{deps.hadoop_jars_dir()}/*"]
    return [deps.java(), heap, "-XX:+UseParallelGC", *deps.JAVA17_OPENS,
            "-Dlog4j.configuration=file:/dev/null", "-cp", ":".join(cp), main_class, *args]


def run_oiv(image: str | os.PathLike, out: str | os.PathLike, processor: str = "Delimited",
            delimiter: str | None = None, timeout: float = 3600) -> Path:
    """`hdfs oiv -p PROCESSOR -i IMAGE -o OUT`; returns OUT. Errors name the image and the tool's last line."""
    args = ["-p", processor, "-i", str(image), "-o", str(out)]
    if delimiter:
        args += ["-delimiter", delimiter]
    r = subprocess.run(java_cmd(OIV, *args), capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0 or not Path(out).exists():
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise BadInputError(f"hadoop oiv failed: {last}", obj=str(image), fix="check that the file is an fsimage")
    return Path(out)


def dfsadmin(fs_uri: str, *args: str, user: str | None = None, timeout: float = 300) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if user:
        env["HADOOP_USER_NAME"] = user
    r = subprocess.run(java_cmd(DFSADMIN, "-fs", fs_uri, *args, heap="-Xmx256m"), capture_output=True, text=True,
                       timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServiceUnreachable(f"dfsadmin {' '.join(args)} failed: {last}", obj=fs_uri,
                                 fix="check the NameNode address and that the user is the HDFS superuser")
    return r.stdout


def save_namespace(fs_uri: str, user: str | None = None) -> None:
    """Checkpoint the namespace into a new fsimage: safe mode on, -saveNamespace, safe mode off (always).
    Writes are refused for the few seconds this takes: never run it against a busy production NameNode."""
    dfsadmin(fs_uri, "-safemode", "enter", user=user)
    try:
        dfsadmin(fs_uri, "-saveNamespace", user=user)
    finally:
        dfsadmin(fs_uri, "-safemode", "leave", user=user)


def fetch_image(http_address: str, dest: str | os.PathLike, timeout: float = 600) -> Path:
    """Download the NameNode's latest fsimage (what `hdfs dfsadmin -fetchImage` does) to DEST (a file)."""
    base = http_address if "://" in http_address else f"http://{http_address}"
    url = f"{base.rstrip('/')}/imagetransfer?getimage=1&txid=latest"
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r, open(tmp, "wb") as out:
            shutil.copyfileobj(r, out, 4 << 20)
    except (urllib.error.URLError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise ServiceUnreachable(f"could not download the fsimage ({exc})", obj=url,
                                 fix="check the NameNode HTTP address (dfs.namenode.http-address)") from None
    tmp.replace(dest)
    return dest


class ScratchHdfs:
    """A throw-away NameNode + DataNode in its own directory (the sandbox's HDFS recipe, other ports):
    for tests that must checkpoint a namespace (safe mode) without disturbing the shared sandbox.

        with ScratchHdfs(tmp_dir) as h: h.env["webhdfs_url"], h.fs_uri, h.save_and_fetch_image(dest)
    """

    def __init__(self, directory: str | os.PathLike, timeout: float = 120):
        from .sandbox import hdfs as sandbox_hdfs, ports, state

        self._hdfs, self.timeout = sandbox_hdfs, timeout
        self.state = state.State(dir=Path(directory).resolve())
        self.state.ports = ports.allocate(sandbox_hdfs.PORTS)
        self.env: dict = {}

    @property
    def fs_uri(self) -> str:
        return self._hdfs.core_site(self.state)["fs.defaultFS"]

    def __enter__(self) -> "ScratchHdfs":
        from .sandbox import health

        h, st = self._hdfs, self.state
        st.sub("logs")
        st.sub("run")
        h.write_conf(st)
        try:
            h.start_namenode(st)
            health.wait_for("scratch NameNode", lambda: h.namenode_healthy(st), st.proc("namenode"), self.timeout)
            h.start_datanode(st)
            health.wait_for("scratch DataNode", lambda: h.datanode_healthy(st), st.proc("datanode"), self.timeout)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.env = h.env(st)
        return self

    def __exit__(self, *exc) -> None:
        for name in ("datanode", "namenode"):
            self.state.proc(name).stop()

    def save_and_fetch_image(self, dest: str | os.PathLike) -> Path:
        save_namespace(self.fs_uri, user=self._hdfs.superuser())
        return fetch_image(self.env["namenode_http"], dest)
