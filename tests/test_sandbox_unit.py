"""Sandbox pieces that need no services: ports, config rendering, the connection file, pid handling, errors."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from okdp_migrate import config
from okdp_migrate.cli import main
from okdp_migrate.errors import ExitCode, MissingDependency
from okdp_migrate.sandbox import deps, hdfs, launcher, metastore, ports, procs, xmlconf
from okdp_migrate.sandbox.state import State

pytestmark = pytest.mark.unit

ALL_PORTS = [p for s in launcher.SERVICES for p in s.ports]


def _state(tmp_path, postgres=True) -> State:
    st = State(dir=tmp_path, postgres=postgres)
    st.ensure_credentials()
    st.ports = ports.allocate(ALL_PORTS)
    return st


def test_allocated_ports_are_distinct_and_bindable():
    got = ports.allocate(ALL_PORTS)
    assert len(set(got.values())) == len(ALL_PORTS)
    assert all(ports.is_free(p) for p in got.values())


def test_kept_port_is_reused_when_free_and_replaced_when_taken():
    first = ports.allocate(["a", "b"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first["b"]))
        busy.listen()
        again = ports.allocate(["a", "b"], keep=first)
        assert again["a"] == first["a"]
        assert again["b"] != first["b"]
        assert ports.allocate(["a", "b"], keep=first, in_use_ok=["b"])["b"] == first["b"]


def test_every_hadoop_address_is_on_loopback(tmp_path):
    site = hdfs.hdfs_site(_state(tmp_path))
    addresses = [v for k, v in site.items() if k.endswith(("address", "-address"))]
    assert addresses and all(str(a).startswith("127.0.0.1:") for a in addresses)
    assert site["dfs.permissions.enabled"] is True


def test_site_xml_round_trips_and_escapes(tmp_path):
    path = xmlconf.write(tmp_path / "x-site.xml", {"a.b": "x<y&z", "flag": True, "n": 3})
    assert xmlconf.parse(path) == {"a.b": "x<y&z", "flag": "true", "n": "3"}


def test_client_hive_site_has_no_password_but_server_one_does(tmp_path):
    st = _state(tmp_path)
    hdfs.write_conf(st)
    metastore.write_conf(st)
    client = xmlconf.parse(st.conf_dir / "hive-site.xml")
    server_file = tmp_path / "hive" / "conf" / "hive-site.xml"
    assert "javax.jdo.option.ConnectionPassword" not in client
    assert st.credentials["pg_password"] not in (st.conf_dir / "hive-site.xml").read_text()
    assert xmlconf.parse(server_file)["javax.jdo.option.ConnectionPassword"] == st.credentials["pg_password"]
    assert server_file.stat().st_mode & 0o077 == 0


def test_derby_backend_has_no_db_url(tmp_path):
    st = _state(tmp_path, postgres=False)
    assert "metastore_db_url" not in launcher.env_of(st)
    assert "jdbc:derby:" in metastore.jdo(st)["javax.jdo.option.ConnectionURL"]


def test_connection_file_loads_as_a_config(tmp_path):
    st = _state(tmp_path)
    env = launcher.env_of(st)
    unknown = [k for k in env if k not in config.BY_ALIAS and k not in config.IGNORED_FILE_KEYS]
    assert unknown == []
    path = tmp_path / "env.json"
    path.write_text(json.dumps(env))
    cfg = config.load(path, env={})
    assert cfg.get("s3.secret_key") == st.credentials["s3_secret_key"]
    assert cfg.get("hiveserver2.port") == st.ports["hiveserver2"]


def test_env_exports_use_setting_variable_names(tmp_path, capsys):
    st = _state(tmp_path)
    launcher.write_env(st)
    assert main(["sandbox", "env", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"export OKDP_MIGRATE_METASTORE_URI=thrift://127.0.0.1:{st.ports['metastore']}" in out
    assert "export OKDP_MIGRATE_HDFS_NAMENODE_RPC=" in out
    assert "export OKDP_MIGRATE_STATE_DIR=" in out


def test_pid_file_only_matches_the_process_it_recorded(tmp_path):
    proc = procs.Proc("sleeper", tmp_path / "run", tmp_path / "logs")
    pid = proc.start([sys.executable, "-c", "import time; print('hi', flush=True); time.sleep(60)"])
    assert proc.pid() == pid
    for _ in range(100):  # the child writes to the log file we gave it
        if "hi" in proc.log_tail():
            break
        time.sleep(0.05)
    rec = json.loads(proc.pid_file.read_text())
    proc.pid_file.write_text(json.dumps({**rec, "start_time": "1"}))  # as if the pid had been recycled
    assert proc.pid() is None and proc.stop() is False  # a stranger's process is never signalled
    proc.pid_file.write_text(json.dumps(rec))
    assert proc.stop() is True
    assert proc.pid() is None
    assert "hi" in proc.log_tail()  # output went to the service's own log


def test_wait_for_names_the_log_when_the_service_dies(tmp_path):
    from okdp_migrate.errors import ServiceUnreachable
    from okdp_migrate.sandbox.health import wait_for

    proc = procs.Proc("crasher", tmp_path / "run", tmp_path / "logs")
    proc.start([sys.executable, "-c", "import sys; sys.exit(3)"])
    time.sleep(0.3)
    with pytest.raises(ServiceUnreachable, match="exited") as info:
        wait_for("crasher", lambda: False, proc, timeout=10)
    assert str(proc.log_file) in info.value.one_line()


def test_missing_hadoop_jars_name_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("OKDP_MIGRATE_JARS_DIR", str(tmp_path / "nothing"))
    with pytest.raises(MissingDependency, match="Hadoop 2.7.3 jars") as info:
        deps.hadoop_jars_dir()
    assert "bash scripts/install.sh" in info.value.fix
    assert main(["sandbox", "up", "--dir", str(tmp_path / "sb")]) == ExitCode.MISSING_DEPENDENCY


def test_status_of_a_directory_without_sandbox_is_a_config_error(tmp_path, capsys):
    assert main(["sandbox", "status", "--dir", str(tmp_path)]) == ExitCode.CONFIG
    assert "sandbox up" in capsys.readouterr().err


def test_down_on_an_empty_directory_stops_nothing(tmp_path, capsys):
    assert main(["sandbox", "down", "--dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"stopped": [], "purged": False}


def test_install_script_is_valid_bash_and_names_no_registry_host():
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "pypi.org" not in text and "files.pythonhosted" not in text
