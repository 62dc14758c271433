"""*-site.xml: the real TDP configs load, secrets never reach the model, malformed XML names file and line."""
from pathlib import Path

import pytest

from okdp_migrate.connectors.site_xml import REDACTED, find_site_files, load_config_dir, read_site_xml
from okdp_migrate.errors import BadInputError

pytestmark = pytest.mark.unit
TDP = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "tdp"


def _need(p: Path) -> Path:
    if not p.exists():
        pytest.skip(f"{p} absent (../shared fixtures not available)")
    return p


def test_rendered_tdp_configs_summary():
    cfg = load_config_dir(_need(TDP / "rendered-example"))
    s = cfg.summary
    assert s["fs_default_fs"] == "hdfs://mycluster" and s["ha"] == {"mycluster": ["nn1", "nn2"]}
    assert s["kerberos"] is True and s["hiveserver2"]["transport"] == "http"
    assert s["metastore_uris"] == ["thrift://master-02.tdp:9083", "thrift://master-03.tdp:9083"]
    assert s["warehouse_dirs"] == ["/warehouse/tablespace/managed/hive", "/warehouse/tablespace/external/hive"]
    assert "javax.jdo.option.ConnectionPassword" in s["redacted_keys"]
    assert "dfs.block.access.token.enable" not in s["redacted_keys"]  # a flag, not a secret


def test_every_tdp_site_file_and_template_loads_without_secrets():
    files = find_site_files(_need(TDP))
    assert len(files) >= 10 and any(f.suffix == ".j2" for f in files)
    for f in files:
        site = read_site_xml(f)
        for key in site.redacted:
            assert site.properties[key] in (REDACTED,) or REDACTED in site.properties[key]


def test_secret_values_are_redacted_and_jdbc_passwords_masked(tmp_path):
    p = tmp_path / "hive-site.xml"
    p.write_text("<configuration>"
                 "<property><name>javax.jdo.option.ConnectionPassword</name><value>s3cr3t</value></property>"
                 "<property><name>fs.s3a.secret.key</name><value>AKIAXXSECRET</value></property>"
                 "<property><name>javax.jdo.option.ConnectionURL</name>"
                 "<value>jdbc:mysql://db/hive?user=hive&amp;password=hunter2</value></property>"
                 "<property><name>hadoop.security.credential.provider.path</name>"
                 "<value>jceks://file/etc/hive.jceks</value></property>"
                 "<property><name>hive.server2.transport.mode</name><value>binary</value><final>true</final></property>"
                 "</configuration>")
    site = read_site_xml(p)
    text = repr(site)
    assert "s3cr3t" not in text and "AKIAXXSECRET" not in text and "hunter2" not in text
    assert site.properties["javax.jdo.option.ConnectionURL"].endswith("password=***")
    assert site.properties["hadoop.security.credential.provider.path"] == "jceks://file/etc/hive.jceks"
    assert site.final == ["hive.server2.transport.mode"]


def test_malformed_xml_names_file_and_line(tmp_path):
    p = tmp_path / "core-site.xml"
    p.write_text("<configuration>\n<property>\n<name>a</name>\n<value>b</valu>\n</property>\n</configuration>\n")
    with pytest.raises(BadInputError) as err:
        load_config_dir(tmp_path)
    assert str(p) in str(err.value) and "line 4" in str(err.value) and "\n" not in str(err.value)
