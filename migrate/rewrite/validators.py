"""Independent checks of translated SQL: Trino's own grammar and Spark's own parser.

Both are optional (`pip install 'okdp-migrate[validate]'`, pyspark for Spark); the report names the
ones that ran. Verdicts are cached on disk by SQL text, since the pure-Python Trino parser is slow.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Callable


class VerdictCache:
    """sqlite file: (validator, sha1 of sql) -> reason ('' when the SQL is accepted)."""

    def __init__(self, path: str | Path | None):
        self._db = None
        self._lock = threading.Lock()
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS verdict (validator TEXT, key TEXT, reason TEXT, PRIMARY KEY (validator, key))")

    def wrap(self, name: str, check: Callable[[str], str | None]) -> Callable[[str], str | None]:
        if self._db is None:
            return check

        def cached(sql: str) -> str | None:
            key = hashlib.sha1(sql.encode("utf-8", "surrogatepass")).hexdigest()
            with self._lock:
                row = self._db.execute("SELECT reason FROM verdict WHERE validator=? AND key=?", (name, key)).fetchone()
            if row is not None:
                return row[0] or None
            reason = check(sql)
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO verdict VALUES (?, ?, ?)", (name, key, reason or ""))
                self._db.commit()
            return reason

        cached.name = name
        return cached

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def trino_grammar() -> Callable[[str], str | None] | None:
    """Trino's ANTLR grammar (PyPI trino-query-parser), or None when it is not installed.

    Two-stage parsing (SLL, then full LL only on failure) gives the same verdicts several times faster.
    """
    try:
        from antlr4 import CommonTokenStream, InputStream
        from antlr4.atn.PredictionMode import PredictionMode
        from antlr4.error.ErrorListener import ConsoleErrorListener
        from antlr4.error.ErrorStrategy import BailErrorStrategy
        from antlr4.error.Errors import ParseCancellationException
        from trino_query_parser.error import TrinoErrorListener, TrinoSyntaxError
        from trino_query_parser.SqlBaseLexer import SqlBaseLexer
        from trino_query_parser.SqlBaseParser import SqlBaseParser
    except ImportError:
        return None

    def parse(sql: str, fast: bool) -> None:
        lexer = SqlBaseLexer(InputStream(sql.upper()))  # the grammar's keywords are upper case
        lexer.removeErrorListeners()
        lexer.addErrorListener(TrinoErrorListener())
        parser = SqlBaseParser(CommonTokenStream(lexer))
        parser.removeErrorListener(ConsoleErrorListener.INSTANCE)
        parser.addErrorListener(TrinoErrorListener())
        if fast:
            parser._interp.predictionMode = PredictionMode.SLL
            parser._errHandler = BailErrorStrategy()
        parser.singleStatement()

    def check(sql: str) -> str | None:
        try:
            parse(sql, fast=True)
            return None
        except (ParseCancellationException, TrinoSyntaxError, RecursionError, Exception):
            pass
        try:
            parse(sql, fast=False)
            return None
        except TrinoSyntaxError as exc:
            return f"line {exc.line}:{exc.column} {exc.msg[:160]}"
        except RecursionError:
            return "statement too deeply nested for the Trino grammar check"
        except Exception as exc:  # the grammar's runtime on odd input: a rejection, named
            return f"{type(exc).__name__}: {str(exc)[:160]}"

    check.name = "trino-grammar (trino-query-parser 422)"
    return check


class SparkParser:
    """Spark's own SQL parser in a local SparkSession, started once and only when first used."""

    name = "spark-parser (pyspark)"

    def __init__(self):
        self._spark = None
        self._parser = None

    @staticmethod
    def available() -> bool:
        import importlib.util
        import shutil

        return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None

    def session(self):
        if self._spark is None:
            from pyspark.sql import SparkSession

            self._spark = (SparkSession.builder.master("local[1]").appName("okdp-migrate-rewrite")
                           .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                           .config("spark.driver.memory", "1g").getOrCreate())
            self._spark.sparkContext.setLogLevel("OFF")
            import logging

            logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # parse failures are our results
            self._parser = self._spark._jsparkSession.sessionState().sqlParser()
        return self._spark

    def __call__(self, sql: str) -> str | None:
        self.session()
        try:
            self._parser.parsePlan(sql)
            return None
        except Exception as exc:  # py4j wraps ParseException
            text = str(exc)
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("org.apache.spark.sql.catalyst.parser.ParseException") or "PARSE_SYNTAX_ERROR" in line \
                        or line.startswith("[") :
                    return line[:200]
            return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__


def build(targets: tuple[str, ...], cache_path: str | Path | None = None, spark: bool = True,
          trino: bool = True) -> tuple[dict[str, Callable[[str], str | None]], list[str], VerdictCache]:
    """Validators per target, the names of those that will run, and the cache to close."""
    cache = VerdictCache(cache_path)
    out: dict[str, Callable[[str], str | None]] = {}
    names: list[str] = []
    if "trino" in targets and trino:
        check = trino_grammar()
        if check is not None:
            out["trino"] = cache.wrap("trino", check)
            names.append(check.name)
    if "spark" in targets and spark and SparkParser.available():
        parser = SparkParser()
        out["spark"] = cache.wrap("spark", parser)
        names.append(parser.name)
    return out, names, cache
