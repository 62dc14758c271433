"""Coverage and speed of `okdp-migrate rewrite` against plain sqlglot, on the shared HiveQL corpus, in one run.

  python bench/rewrite.py [CORPUS_DIR] [--cache FILE] [--sample N]

Both translators see the same statements (split by our script splitter; session commands such as SET and
ADD JAR excluded for both). An output counts as valid for Trino when Trino's grammar (trino-query-parser)
accepts it and it calls only functions Trino documents; for Spark when Spark's own parser accepts it.
Plain sqlglot: transpile(read="hive", write=target, unsupported_level=RAISE), variables replaced by names
first. Throughput is measured without validation (the validators are the same for both).
"""
from __future__ import annotations

import os
import sys

# bench/ holds a copy.py that would shadow the standard library's copy module
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import time
from pathlib import Path

import sqlglot  # noqa: E402
from sqlglot.errors import ErrorLevel

from okdp_migrate.rewrite.script import split_script
from okdp_migrate.rewrite.sources import iter_files, read_script
from okdp_migrate.rewrite.validators import build
from okdp_migrate.rules.sql import variables
from okdp_migrate.rules.sql.context import Session
from okdp_migrate.rules.sql.engine import translate
from okdp_migrate.rules.sql.session_commands import session_command
from okdp_migrate.rules.sql.trino_functions import unknown_functions

TARGETS = ("trino", "spark")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sql" / "dev"


def load(corpus: Path, sample: int | None) -> list[list[str]]:
    scripts = []
    for f in iter_files([str(corpus)]):
        src = read_script(f)
        if not src.error:
            scripts.append([s.text for s in split_script(src.text)])
    if sample:
        flat = [s for script in scripts for s in script]
        step = max(1, len(flat) // sample)
        scripts = [flat[::step][:sample]]
    return scripts


def plain(stmt: str, target: str) -> list[str] | None:
    protected, _ = variables.protect(stmt)
    try:
        return sqlglot.transpile(protected, read="hive", write=target, unsupported_level=ErrorLevel.RAISE)
    except Exception:
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    ap.add_argument("--cache", default=str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "rewrite-verdicts.sqlite"))
    ap.add_argument("--sample", type=int, default=None)
    ap.add_argument("--dump", default=None, help="write okdp-migrate outputs that fail validation here (JSON lines)")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    scripts = load(corpus, args.sample)
    if args.dump:
        open(args.dump, "w").close()

    # okdp-migrate (session state flows through each script, as in a real run) and plain sqlglot on the same
    # statements, timed without validators: both warmed up first, then timed alternately, best of two runs each
    flat = [stmt for script in scripts for stmt in script]
    n_all = len(flat)

    def run_ours() -> None:
        for script in scripts:
            session = Session()
            for stmt in script:
                translate(stmt, session, TARGETS)

    def run_plain() -> list:
        return [{t: plain(stmt, t) for t in TARGETS} for stmt in flat]

    for stmt in flat[:200]:
        translate(stmt, Session(), TARGETS)
        plain(stmt, "trino")
    t_ours = t_plain = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        run_ours()
        t_ours = min(t_ours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = run_plain()
        t_plain = min(t_plain, time.perf_counter() - t0)

    validators, names, cache = build(TARGETS, args.cache)
    missing = [t for t in TARGETS if t not in validators]
    if missing:
        print(f"validators missing for {missing}: install okdp-migrate[validate] and pyspark", file=sys.stderr)
        return 2

    def valid(target: str, parts: list[str] | None) -> bool:
        if not parts:
            return False
        for sql in parts:
            if validators[target](sql):
                return False
            if target == "trino" and unknown_functions(sql):
                return False
        return True

    # okdp-migrate as `rewrite` runs it: with the validators (their verdicts are cached)
    ours = []
    for script in scripts:
        session = Session()
        for stmt in script:
            ours.append((stmt, translate(stmt, session, TARGETS, validators)))

    print(f"corpus: {corpus}  statements: {n_all}  validators: {', '.join(names)}")
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for target in TARGETS:
        keep = [i for i, (_, r) in enumerate(ours) if r.targets[target].status != "skipped"]
        n = len(keep)
        commands = [session_command(stmt, Session()) for stmt in flat]
        session_cmds = sum(1 for c in commands if c is not None and c[0] not in ("create_function", "drop_function"))
        macro_cmds = sum(1 for c in commands if c is not None and c[0] in ("create_macro", "drop_macro"))
        ok_plain = sum(valid(target, theirs[i][target]) for i in keep)
        ok_ours, bad_translated, statuses = 0, 0, {}
        for i in keep:
            stmt, r = ours[i]
            o = r.targets[target]
            statuses[o.status] = statuses.get(o.status, 0) + 1
            good = o.status in ("translated", "review") and valid(target, o.parts)
            ok_ours += good
            bad_translated += o.status == "translated" and not good
            if dump and not good:
                import json

                dump.write(json.dumps({"target": target, "kind": r.kind, "status": o.status, "source": stmt, "sql": o.sql,
                                       "findings": [f"{f.rule}: {f.message}" for f in o.findings]}) + "\n")
        print(f"{target:6s} counted {n} (skipped: {n_all - n}, of which session commands {session_cmds}, "
              f"{macro_cmds} of them macro definitions expanded inline)")
        print(f"       valid output: plain sqlglot {ok_plain / n:6.1%} ({ok_plain})   okdp-migrate {ok_ours / n:6.1%} ({ok_ours})"
              f"   translated-but-invalid: {bad_translated}   statuses: {statuses}")
    print(f"throughput (statements/s, both targets, no validation, best of 2 after warm-up): plain sqlglot {len(flat) / t_plain:7.1f}   "
          f"okdp-migrate {n_all / t_ours:7.1f}   ratio {(n_all / t_ours) / (len(flat) / t_plain):.2f}")
    cache.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
