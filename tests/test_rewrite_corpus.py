"""Coverage on the shared HiveQL corpus must not regress (skipped when ../shared is absent).

A deterministic sample (every 5th file) keeps the run short; validator verdicts are cached in
.pytest_cache. Floors sit just under the figures measured on this sample (0.9775 Trino, 0.9887 Spark; the full
corpus, by bench/rewrite.py: 0.968 and 0.993)."""
from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sql" / "dev"
FLOORS = {"trino": 0.974, "spark": 0.985}

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_corpus_coverage_does_not_regress():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus absent: {CORPUS}")
    from okdp_migrate.rewrite.run import rewrite
    from okdp_migrate.rewrite.validators import build

    validators, names, cache = build(("trino", "spark"), Path(__file__).resolve().parents[1] / ".pytest_cache" / "rewrite-verdicts.sqlite")
    if len(validators) < 2:
        pytest.skip("validators not installed (trino-query-parser, pyspark + java)")
    files = sorted(CORPUS.glob("*"))[::5]
    try:
        run = rewrite([str(f) for f in files if f.suffix in (".sql", ".hql", ".q")], ("trino", "spark"),
                      validators=validators, validator_names=names)
    finally:
        cache.close()
    summary = run.summary()
    for target, floor in FLOORS.items():
        share = summary["targets"][target]["valid_share"]
        assert share >= floor, f"{target} valid share {share:.3f} fell below {floor}"
    # with validators on, no statement may be 'translated' with output its target rejects
    for s in run.statements:
        for target, o in s.targets.items():
            if o["status"] == "translated":
                assert "validate" not in {f["rule"] for f in o["findings"]}
