"""`okdp-migrate rewrite` on awkward input (issue 4, acceptance): every bad file is one clear error record,
the run goes on, nothing is lost from the report; exit codes of a mistyped path, an unknown --encoding and
each --fail-on level; the HTML report stays fast on one very long statement."""
from __future__ import annotations

import difflib
import json

import pytest
from okdp_migrate.cli import main
from okdp_migrate.errors import ExitCode
from okdp_migrate.reports import rewrite_report
from okdp_migrate.rewrite.sources import MAX_FILE_BYTES, decode_script

pytestmark = pytest.mark.unit


def _rewrite(tmp_path, capsys, *args):
    out = tmp_path / "out"
    capsys.readouterr()
    code = main(["--json", "rewrite", *map(str, args), "--out", str(out), "--no-validate"])
    printed = capsys.readouterr()
    _rewrite.stderr = printed.err
    return code, out, (json.loads(printed.out) if printed.out.strip() else None)


def _by_file(out):
    doc = json.loads((out / "report.json").read_text())
    found: dict[str, list] = {}
    for s in doc["statements"]:
        found.setdefault(s["file"].rsplit("/", 1)[-1], []).append(s)
    return doc, found


def test_every_kind_of_bad_file_is_one_error_record_and_the_good_statements_survive(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.hql").write_text("SELECT nvl(a, 0) FROM t;\nSELECT FROM WHERE;\nSELECT b FROM t;\n")
    (d / "binary.sql").write_bytes(b"\x7fELF\x00\x01\x02\x00" * 64)
    (d / "empty.sql").write_bytes(b"  \n\n")
    (d / "comments.q").write_text("-- nothing to run\n/* really nothing */\n")
    (d / "latin.sql").write_bytes("SELECT 'caf\u00e9';".encode("cp1252"))
    with open(d / "huge.sql", "wb") as f:  # sparse: the size check must refuse it before reading it
        f.truncate(MAX_FILE_BYTES + 1)
    code, out, summary = _rewrite(tmp_path, capsys, d)
    assert code == ExitCode.OK
    doc, by_file = _by_file(out)
    assert {f["file"].rsplit("/", 1)[-1] for f in doc["files"]} == {"good.hql", "binary.sql", "empty.sql",
                                                                     "comments.q", "latin.sql", "huge.sql"}
    reasons = {}
    for name in ("binary.sql", "empty.sql", "comments.q", "latin.sql", "huge.sql"):
        (record,) = by_file[name]
        for target in ("trino", "spark"):
            assert record["targets"][target]["status"] == "error"
        reasons[name] = record["targets"]["trino"]["findings"][0]["message"]
    assert "binary" in reasons["binary.sql"] and "empty" in reasons["empty.sql"]
    assert "only comments" in reasons["comments.q"] and "--encoding" in reasons["latin.sql"]
    assert "MiB limit" in reasons["huge.sql"]
    good = by_file["good.hql"]
    assert [(s["index"], s["line"]) for s in good] == [(0, 1), (1, 2), (2, 3)]
    assert [s["targets"]["trino"]["status"] for s in good] == ["translated", "error", "translated"]
    assert summary["summary"]["targets"]["trino"]["statuses"]["error"] == 6
    assert "binary.sql" in (out / "report.md").read_text()


def test_crlf_scripts_keep_their_line_numbers(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "win.sql").write_bytes(b"SELECT 1;\r\n\r\nSELECT\r\n  FROM WHERE;\r\nSELECT 3;\r\n")
    code, out, _ = _rewrite(tmp_path, capsys, d)
    assert code == ExitCode.OK
    _, by_file = _by_file(out)
    assert [s["line"] for s in by_file["win.sql"]] == [1, 3, 5]
    assert by_file["win.sql"][1]["targets"]["trino"]["findings"][0]["line"] == 4  # the WHERE, on the file's line 4


def test_a_script_named_twice_is_translated_once(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "etl.sql").write_text("SELECT 1;\nSELECT 2;\n")
    code, out, summary = _rewrite(tmp_path, capsys, d, d / "etl.sql", f"{d}/.")
    assert code == ExitCode.OK
    assert (summary["summary"]["files"], summary["summary"]["statements"]) == (1, 2)
    assert (out / "trino" / "in" / "etl.sql").read_text().count("-- [translated]") == 2


def test_declared_encoding_reads_utf16_without_a_bom_but_binary_stays_binary():
    text = "SELECT 'caf\u00e9' AS x;"
    src = decode_script("u16.sql", text.encode("utf-16-le"), "utf-16-le")
    assert src.error is None and src.text == text
    assert "binary" in decode_script("u16.sql", text.encode("utf-16-le")).error  # undeclared: not guessed
    assert "binary" in decode_script("x.bin", b"\x00\x01\x02\x03SELECT", "latin-1").error


def test_declared_encoding_does_not_garble_the_utf8_scripts_of_a_mixed_folder(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "utf8.sql").write_text("SELECT * FROM t WHERE city = 'Orl\u00e9ans';\n", encoding="utf-8")
    (d / "legacy.sql").write_bytes("SELECT * FROM t WHERE city = 'B\u00e9ziers';\n".encode("cp1252"))
    code, out, _ = _rewrite(tmp_path, capsys, d, "--encoding", "cp1252")
    assert code == ExitCode.OK
    doc, by_file = _by_file(out)
    assert "'Orl\u00e9ans'" in by_file["utf8.sql"][0]["targets"]["trino"]["sql"]
    assert "'B\u00e9ziers'" in by_file["legacy.sql"][0]["targets"]["trino"]["sql"]
    assert {f["file"].rsplit("/", 1)[-1]: f["encoding"] for f in doc["files"]} == {"utf8.sql": "utf-8",
                                                                                    "legacy.sql": "cp1252"}


def test_mistyped_path_is_bad_input_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "ok.sql").write_text("SELECT 1;\n")
    code, out, _ = _rewrite(tmp_path, capsys, tmp_path / "ok.sql", tmp_path / "typo.sql")
    assert code == ExitCode.BAD_INPUT
    assert "typo.sql" in _rewrite.stderr and "fix:" in _rewrite.stderr  # one line naming the path and the fix
    assert not out.exists()


def test_unknown_encoding_name_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "ok.sql").write_text("SELECT 1;\n")
    code, out, _ = _rewrite(tmp_path, capsys, tmp_path / "ok.sql", "--encoding", "no-such-codec")
    assert code == ExitCode.USAGE and not out.exists()


@pytest.fixture
def graded(tmp_path):
    """Scripts whose worst status is known: skipped+translated, review, unsupported."""
    d = tmp_path / "graded"
    d.mkdir()
    (d / "clean.sql").write_text("SET hive.exec.parallel=true;\nSELECT nvl(a, 0) FROM t;\n")
    (d / "review.sql").write_text("SELECT a FROM t CLUSTER BY a;\n")
    (d / "unsupported.sql").write_text("SELECT TRANSFORM(a) USING 'cat' AS (b) FROM t;\n")
    return d


@pytest.mark.parametrize("files,fail_on,expected", [
    (["clean.sql"], "review", ExitCode.OK),  # skipped does not count as a finding
    (["clean.sql", "review.sql"], "review", ExitCode.FINDINGS),
    (["clean.sql", "review.sql"], "unsupported", ExitCode.OK),
    (["review.sql", "unsupported.sql"], "unsupported", ExitCode.FINDINGS),
    (["review.sql", "unsupported.sql"], "error", ExitCode.OK),
])
def test_fail_on_levels(tmp_path, capsys, graded, files, fail_on, expected):
    code, out, _ = _rewrite(tmp_path, capsys, *[graded / f for f in files], "--to", "trino", "--fail-on", fail_on)
    assert code == expected
    assert (out / "report.json").exists() and (out / "report.html").exists()  # written before the exit


def test_highlight_of_a_very_long_statement_skips_the_quadratic_diff(monkeypatch):
    source = "SELECT " + ", ".join(["1"] * 20_000) + " FROM t"
    output = source.replace("SELECT", "SELECT DISTINCT")

    def refuse(*a, **k):
        raise AssertionError("SequenceMatcher on a 40k x 40k token statement")

    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    page = rewrite_report._highlight(source, output)
    assert page.startswith("SELECT DISTINCT 1, 1") and "<mark>" not in page


def test_highlight_still_marks_the_changed_words_of_normal_statements():
    page = rewrite_report._highlight("SELECT nvl(a, 0) FROM t", "SELECT COALESCE(a, 0) FROM t")
    assert "<mark>COALESCE</mark>" in page and "<mark>SELECT" not in page
