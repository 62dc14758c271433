"""Configuration precedence (defaults < file < env < flags), redaction, and bad-file errors."""
import json

import pytest

from okdp_migrate import config
from okdp_migrate.errors import ConfigError

pytestmark = pytest.mark.unit


def test_precedence_file_then_env_then_flag(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("s3:\n  endpoint: http://file:8333\n  region: eu-west-3\nhdfs:\n  max_concurrency: 2\n")
    env = {"OKDP_MIGRATE_S3_ENDPOINT": "http://env:8333", "OKDP_MIGRATE_HDFS_MAX_CONCURRENCY": "6"}
    cfg = config.load(f, env=env, flags={"hdfs.max_concurrency": 9})
    assert cfg.get("s3.endpoint") == "http://env:8333"
    assert cfg.values["s3.endpoint"].source == "env:OKDP_MIGRATE_S3_ENDPOINT"
    assert cfg.get("s3.region") == "eu-west-3"
    assert cfg.values["s3.region"].source.startswith("file:")
    assert cfg.get("hdfs.max_concurrency") == 9
    assert cfg.values["hdfs.max_concurrency"].source == "flag:hdfs.max_concurrency"
    assert cfg.get("copy.workers") == 4 and cfg.values["copy.workers"].source == "default"


def test_sandbox_env_json_is_accepted_as_a_config(tmp_path):
    f = tmp_path / "env.json"
    f.write_text(json.dumps({"webhdfs_url": "http://127.0.0.1:50070", "metastore_uri": "thrift://127.0.0.1:9083",
                             "s3_access_key": "AK", "s3_secret_key": "SK", "hiveserver2_port": "10000"}))
    cfg = config.load(f, env={})
    assert cfg.get("hdfs.webhdfs_url") == "http://127.0.0.1:50070"
    assert cfg.get("hiveserver2.port") == 10000
    assert cfg.secrets() == ["AK", "SK"]


def test_secrets_are_redacted_in_show(tmp_path):
    cfg = config.load(None, env={"OKDP_MIGRATE_S3_SECRET_KEY": "topsecret",
                                 "OKDP_MIGRATE_METASTORE_DB_URL": "postgresql://hive:pw123@db:5432/metastore"})
    shown = {r["key"]: r["value"] for r in cfg.shown()}
    assert shown["s3.secret_key"] == config.REDACTED
    assert "pw123" not in json.dumps(shown)
    assert config.redact_url("postgresql://hive:pw@db/m") == "postgresql://hive:***@db/m"


def test_unknown_key_in_file_is_an_error_naming_the_file(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("s3:\n  endpont: x\n")
    with pytest.raises(ConfigError) as e:
        config.load(f, env={})
    assert "s3.endpont" in e.value.one_line() and str(f) in e.value.one_line()


@pytest.mark.parametrize("text,needle", [("s3: [unclosed\n", "malformed"), ("- a\n- b\n", "mapping")])
def test_malformed_file_gives_one_clear_error(tmp_path, text, needle):
    f = tmp_path / "c.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load(f, env={})
    assert needle in e.value.one_line()


def test_bad_type_from_env_names_the_variable():
    with pytest.raises(ConfigError) as e:
        config.load(None, env={"OKDP_MIGRATE_COPY_WORKERS": "many"})
    assert "OKDP_MIGRATE_COPY_WORKERS" in e.value.one_line()
