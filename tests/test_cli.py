"""The CLI shell: exit codes, one-line errors, JSON on stdout, secrets kept out of output."""
import json

import pytest

from okdp_migrate.cli import main
from okdp_migrate.errors import ExitCode

pytestmark = pytest.mark.unit


def test_config_show_json_reports_sources_and_redacts(tmp_path, capsys, monkeypatch):
    f = tmp_path / "c.yaml"
    f.write_text("s3:\n  secret_key: hunter22\n  endpoint: http://127.0.0.1:8333\n")
    monkeypatch.setenv("OKDP_MIGRATE_S3_REGION", "eu-west-3")
    assert main(["--config", str(f), "--json", "config", "show"]) == ExitCode.OK
    out = capsys.readouterr()
    doc = json.loads(out.out)
    rows = {r["key"]: r for r in doc["settings"]}
    assert rows["s3.secret_key"]["value"] == "***"
    assert rows["s3.region"]["source"] == "env:OKDP_MIGRATE_S3_REGION"
    assert rows["s3.endpoint"]["source"] == f"file:{f}"
    assert "hunter22" not in out.out + out.err


def test_missing_config_file_is_one_line_with_exit_code(tmp_path, capsys):
    code = main(["--config", str(tmp_path / "nope.yaml"), "config", "show"])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG
    assert err.count("\n") == 1 and "nope.yaml" in err and "fix:" in err
    assert "Traceback" not in err


def test_traceback_only_when_asked(tmp_path, capsys):
    main(["--traceback", "--config", str(tmp_path / "nope.yaml"), "config", "show"])
    assert "Traceback" in capsys.readouterr().err


def test_unknown_verb_is_a_usage_error(capsys):
    assert main(["no-such-verb"]) == ExitCode.USAGE


def test_every_listed_verb_loads(capsys):
    from okdp_migrate.cli import COMMANDS, cli
    import click

    ctx = click.Context(cli)
    for name in COMMANDS:
        assert cli.get_command(ctx, name) is not None, name
