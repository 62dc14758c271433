"""`okdp-migrate rewrite` end to end, in-process: script splitting, odd files, reports, exit codes."""
from __future__ import annotations

import json

import pytest

from okdp_migrate.cli import main
from okdp_migrate.errors import ExitCode
from okdp_migrate.rewrite.script import split_script
from okdp_migrate.rewrite.sources import decode_script

pytestmark = pytest.mark.unit


def test_split_keeps_semicolons_in_strings_and_comments_and_positions():
    text = "-- head; comment\nSET x=1;\nSELECT ';' AS a, \"b;c\" -- trailing; comment\nFROM t;\n\n  /* x; */ SELECT 2"
    stmts = split_script(text)
    assert [s.text.split()[0] for s in stmts] == ["SET", "SELECT", "SELECT"]
    assert (stmts[1].line, stmts[2].line, stmts[2].column) == (3, 6, 12)
    assert "';'" in stmts[1].text and '"b;c"' in stmts[1].text


@pytest.mark.parametrize("data,needle", [(b"", "empty"), (b"\x00\x01\x02", "binary"), (b"select '\xe9'", "not UTF-8")])
def test_unreadable_files_get_a_clear_reason(data, needle):
    assert needle in decode_script("f.sql", data).error


def test_declared_encoding_and_bom_are_read():
    assert decode_script("f.sql", "select 'é'".encode("cp1252"), "cp1252").text == "select 'é'"
    assert decode_script("f.sql", "\ufeffselect 1".encode("utf-8")).text == "select 1"


def _run(tmp_path, *extra):
    out = tmp_path / "out"
    code = main(["rewrite", str(tmp_path / "in"), "--out", str(out), "--no-validate", *extra])
    return code, out


@pytest.fixture
def scripts(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "etl.hql").write_text("USE sales;\nSET hive.exec.dynamic.partition=true;\n"
                               "INSERT OVERWRITE TABLE t PARTITION (dt='${hivevar:dt}') SELECT a FROM s;\n"
                               "SELECT FROM WHERE;\nSELECT nvl(a, 0) FROM t;\n")
    (d / "bin.sql").write_bytes(b"\x00\x00binary")
    (d / "empty.q").write_bytes(b"")
    return d


def test_report_json_has_every_statement_and_file(tmp_path, scripts):
    code, out = _run(tmp_path)
    assert code == ExitCode.OK
    doc = json.loads((out / "report.json").read_text())
    assert {"file", "line", "index", "kind", "source", "targets"} <= set(doc["statements"][0])
    by_file = {}
    for s in doc["statements"]:
        by_file.setdefault(s["file"].split("/")[-1], []).append(s)
    assert len(by_file["etl.hql"]) == 5
    assert by_file["bin.sql"][0]["targets"]["trino"]["status"] == "error"
    assert by_file["empty.q"][0]["targets"]["spark"]["status"] == "error"
    insert = by_file["etl.hql"][2]
    assert insert["line"] == 3 and insert["targets"]["trino"]["status"] == "review"
    assert "${hivevar:dt}" in insert["targets"]["trino"]["sql"]
    assert doc["summary"]["targets"]["trino"]["statuses"]["skipped"] == 1
    assert (out / "report.md").read_text().startswith("# okdp-migrate rewrite report")
    page = (out / "report.html").read_text()
    assert "<script>" in page and "http" not in page.split("<script>")[1].split("const DATA")[0]
    assert (out / "trino" / "in" / "etl.sql").exists()


def test_fail_on_sets_exit_code_after_writing_reports(tmp_path, scripts):
    code, out = _run(tmp_path, "--fail-on", "error")
    assert code == ExitCode.FINDINGS and (out / "report.json").exists()


def test_no_input_is_bad_input(tmp_path):
    assert main(["rewrite", "--out", str(tmp_path / "o"), "--no-validate"]) == ExitCode.BAD_INPUT


def _inventory(root, view_text):
    """A scan inventory as `okdp-migrate scan` writes it: metastore_tables.json + inventory.json."""
    from okdp_migrate.inventory import TABLES, write_json, write_manifest
    from okdp_migrate.model import Column, HiveTable

    root.mkdir()
    tables = [
        HiveTable(database="sales", name="orders", table_type="MANAGED_TABLE",
                  columns=[Column("tags", "array<string>"), Column("amount", "decimal(10,2)"), Column("qty", "int"),
                           Column("units", "int")]),
        HiveTable(database="sales", name="v_orders", table_type="VIRTUAL_VIEW", view_original_text=view_text),
    ]
    write_json(root / TABLES, tables)
    write_manifest(root, sources={"metastore": {"status": "ok"}}, summary={"tables": len(tables)})
    return root


def test_from_scan_translates_views_with_column_types(tmp_path):
    view = "SELECT tags[qty] AS tag, units / qty AS per_unit FROM orders"
    inv = _inventory(tmp_path / "inv", view)
    out = tmp_path / "out"
    assert main(["rewrite", "--from-scan", str(inv), "--out", str(out), "--no-validate"]) == ExitCode.OK
    doc = json.loads((out / "report.json").read_text())
    assert doc["summary"]["typed"] is True
    (stmt,) = [s for s in doc["statements"] if s["file"] == "scan:sales.v_orders"]
    assert stmt["kind"] == "create_view" and stmt["source"] == view
    trino = stmt["targets"]["trino"]
    # the array type comes from the metastore: the 0-based variable index is shifted, not flagged
    assert "ELEMENT_AT(tags, qty + 1)" in trino["sql"] and trino["sql"].startswith("CREATE VIEW sales.v_orders AS")
    assert trino["status"] == "translated", trino["findings"]
    # int / int: a DOUBLE division in Hive, and known to be one, so not flagged (without types it is)
    assert "CAST(units AS DOUBLE) / NULLIF(qty, 0)" in trino["sql"]
    assert "GET(tags, qty)" in stmt["targets"]["spark"]["sql"]


def test_same_view_without_types_is_flagged_for_review(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "v.sql").write_text("USE sales;\nCREATE VIEW v_orders AS SELECT tags[qty] AS tag, units / qty AS per_unit FROM orders;\n")
    code, out = _run(tmp_path)
    doc = json.loads((out / "report.json").read_text())
    trino = doc["statements"][1]["targets"]["trino"]
    assert trino["status"] == "review" and {"array_index", "arithmetic"} <= {f["rule"] for f in trino["findings"]}
