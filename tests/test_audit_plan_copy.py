"""Issue 5 points checkable without services: `copy --dry-run` calls no service and writes nothing,
`--json` carries the documented keys, `--shard I/N` splits the plan exactly, and a hand-edited plan with
a wrong value is one clear error (exit 4), never a crash or a silently ignored edit."""
from __future__ import annotations

import json
import os

import pytest
from okdp_migrate.cli import main
from okdp_migrate.errors import ExitCode
from okdp_migrate.plan import load
from test_plan import inventory  # noqa: F401  (the fixture: a small scan inventory, no services)

pytestmark = pytest.mark.unit

# closed ports: any connection attempt by a dry run would fail the command
UNREACHABLE = {"s3_endpoint": "http://127.0.0.1:9", "s3_access_key": "AKIAEXAMPLE", "s3_secret_key": "never-used",
               "webhdfs_url": "http://127.0.0.1:9", "namenode_rpc": "127.0.0.1:9", "metastore_uri": "thrift://127.0.0.1:9"}


@pytest.fixture
def planned(inventory, tmp_path):  # noqa: F811
    plan = tmp_path / "plan.yaml"
    assert main(["plan", "--from-scan", str(inventory), "--target", "s3://lake/w", "--shards", "3",
                 "--out", str(plan)]) == 0
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(UNREACHABLE))
    return plan, cfg


def _tree(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def _dry_run(capsys, plan, cfg, *extra):
    capsys.readouterr()
    code = main(["--config", str(cfg), "--json", "copy", str(plan), "--dry-run", *extra])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_dry_run_calls_no_service_writes_nothing_and_has_the_summary_keys(planned, tmp_path, capsys):
    plan, cfg = planned
    before = _tree(tmp_path)
    code, s, _ = _dry_run(capsys, plan, cfg, "--journal", str(tmp_path / "j"), "--verify")
    assert code == ExitCode.OK
    assert _tree(tmp_path) == before  # no journal, no control file, no manifest
    for key in ("files_planned", "files_copied", "files_verified", "files_failed", "bytes_copied", "tables_committed"):
        assert key in s, key
    assert s["dry_run"] is True and s["files_planned"] == len(list(load(plan).items())) == len(s["items"])
    assert (s["files_copied"], s["files_verified"], s["bytes_copied"], s["tables_committed"]) == (0, 0, 0, 0)
    assert all(i["dst"].startswith("s3://lake/w/") for i in s["items"])
    assert "never-used" not in json.dumps(s)


@pytest.mark.parametrize("n", [3, 2])  # the plan's own shard count, and a re-split for another N
def test_shards_of_a_dry_run_cover_every_file_exactly_once(planned, capsys, n):
    plan, cfg = planned
    seen = []
    for i in range(n):
        code, s, _ = _dry_run(capsys, plan, cfg, "--shard", f"{i}/{n}")
        assert code == ExitCode.OK and s["shard"] == f"{i}/{n}"
        seen += [(x["src"], x["dst"]) for x in s["items"]]
    whole = [(i.src, f"s3://{i.dst_bucket}/{i.dst_key}") for i in load(plan).items()]
    assert len(seen) == len(set(seen)) and sorted(seen) == sorted(whole)


@pytest.mark.parametrize("shard", ["3/3", "-1/3", "a/b", "1", "0/0"])
def test_bad_shard_is_bad_input_and_writes_nothing(planned, tmp_path, capsys, shard):
    plan, cfg = planned
    before = _tree(tmp_path)
    capsys.readouterr()
    assert main(["--config", str(cfg), "copy", str(plan), "--shard", shard]) == ExitCode.BAD_INPUT
    assert _tree(tmp_path) == before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--shard" in err and "fix:" in err


def _edit(plan, old, new):
    text = plan.read_text()
    assert old in text, old
    plan.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old,new,needle", [
    ("    wave: 0\n", "    wave: zero\n", "wave 'zero'"),
    ("    kind: table\n", "    kynd: table\n", "kind"),
    ("    iceberg:\n      namespace: sales\n      table: orders\n", "    iceberg: sales.orders\n", "iceberg"),
    ("    strategy: register\n", "    strategy: regster\n", "unknown strategy"),
])
def test_a_hand_edit_with_a_wrong_value_is_one_line_bad_input(planned, capsys, old, new, needle):
    plan, cfg = planned
    _edit(plan, old, new)
    capsys.readouterr()
    assert main(["plan", "show", str(plan)]) == ExitCode.BAD_INPUT
    code, _, err = _dry_run(capsys, plan, cfg)
    assert code == ExitCode.BAD_INPUT
    assert needle in err and "internal error" not in err and err.count("okdp-migrate: error:") == 1


def test_hand_edits_that_are_valid_are_what_the_plan_says(planned, capsys):
    plan, _ = planned
    _edit(plan, "    strategy: register\n", "    strategy: rewrite\n")
    # a table's target is derived from the mappings: a hand edit of it must not make `plan show` lie
    _edit(plan, "    target: s3://lake/w/sales/orders\n", "    target: s3://elsewhere/orders\n")
    p = load(plan)
    assert p.tables["sales.orders"].strategy == "rewrite"
    assert p.tables["sales.orders"].target == "s3://lake/w/sales/orders"
    capsys.readouterr()
    assert main(["--json", "plan", "show", str(plan)]) == 0
    shown = json.loads(capsys.readouterr().out)
    row = next(t for w in shown["waves"] for t in w["tables"] if t["table"] == "sales.orders")
    assert row["strategy"] == "rewrite" and row["target"] == "s3://lake/w/sales/orders"
