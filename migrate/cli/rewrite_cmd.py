"""`okdp-migrate rewrite`: translate HiveQL scripts (and a scan's views / Oozie HiveQL) to Trino and Spark SQL.

Exit codes: 0 done; 2 unknown --encoding; 4 no input found, or a named path missing; 7 a validator was
required (--require-validators) but is missing; 9 --fail-on found statements at or above the given status
(the reports are written first).
"""
from __future__ import annotations

import codecs
from pathlib import Path

import click

from ..errors import BadInputError, FindingsThreshold, MissingDependency


@click.command("rewrite")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--to", "targets", multiple=True, type=click.Choice(["trino", "spark"]), default=("trino", "spark"),
              show_default=True, help="Target engine (repeat for both).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for translated files and reports.")
@click.option("--from-scan", "scan_dir", type=click.Path(file_okay=False), default=None,
              help="Scan inventory: column types for type-aware rules, plus its view texts and Oozie HiveQL.")
@click.option("--encoding", default=None, help="Encoding of scripts that are not UTF-8 (e.g. gb18030, cp1252).")
@click.option("--fail-on", type=click.Choice(["review", "unsupported", "error"]), default=None,
              help="Exit 9 when any statement reaches this status or worse (review < unsupported < error).")
@click.option("--no-validate", is_flag=True, help="Skip the Trino grammar and Spark parser checks.")
@click.option("--require-validators", is_flag=True, help="Fail (exit 7) unless both validators can run.")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False), default=None,
              help="File caching validator verdicts between runs.")
@click.pass_obj
def rewrite(app, paths, targets, out_dir, scan_dir, encoding, fail_on, no_validate, require_validators, cache_path):
    """Translate HiveQL to Trino and/or Spark SQL, with a review report (report.json, report.md, report.html)."""
    from ..rewrite import run as use_case
    from ..rewrite.validators import build

    if not paths and not scan_dir:
        raise BadInputError("nothing to translate", fix="pass script files/directories, or --from-scan DIR")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:  # a mistyped argument, not a bad script: stop before writing anything
        raise BadInputError("no such file or directory", obj=", ".join(missing),
                            fix="check the path (files and directories of .sql/.hql/.q scripts)")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise click.BadParameter(f"unknown encoding '{encoding}' (for example gb18030, cp1252, latin-1)",
                                     param_hint="--encoding") from None
    targets = tuple(dict.fromkeys(targets))
    validators, names, cache = ({}, [], None) if no_validate else build(targets, cache_path)
    if require_validators and len(validators) < len(targets):
        raise MissingDependency("a validator for the chosen targets is not installed", obj="rewrite",
                                fix="pip install 'okdp-migrate[validate,sandbox]' and install Java 17 for Spark")
    try:
        result = use_case.rewrite(list(paths), targets, scan_dir=scan_dir, encoding=encoding,
                                  validators=validators, validator_names=names)
    finally:
        if cache is not None:
            cache.close()
    if not result.files:
        raise BadInputError("no .sql/.hql/.q file found", obj=", ".join(paths) or scan_dir,
                            fix="pass files or directories holding HiveQL scripts")
    use_case.write_outputs(result, out_dir)
    summary = result.summary()
    lines = [f"{summary['statements']} statements from {summary['files']} files -> {out_dir}",
             f"validators: {', '.join(summary['validators']) or 'none'}"]
    for t, d in summary["targets"].items():
        st = " ".join(f"{k}={v}" for k, v in d["statuses"].items())
        lines.append(f"{t}: {st}")
    app.emit({"out": out_dir, "summary": summary}, "\n".join(lines))
    hits = use_case.failing(result, fail_on)
    if hits:
        raise FindingsThreshold(f"{hits} statement outputs are '{fail_on}' or worse", obj=out_dir,
                                fix="read report.html, fix or accept them, or relax --fail-on")
    return 0
