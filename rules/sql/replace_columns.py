"""ALTER TABLE t [PARTITION (...)] REPLACE COLUMNS (...): Hive only rewrites the column list; the files are
read as before (by position for text, by name for ORC/Parquet). Iceberg tracks columns by id: Trino has
no such statement, and Spark runs it as drop-all-then-add on an Iceberg table, so the replaced columns'
data would read as NULL. No safe translation: unsupported for both, with the changes to make instead."""
from __future__ import annotations

import re

from sqlglot import exp

_REPLACE = re.compile(r"alter\s+table\s+[\w.`${}]+\s+(?:partition\s*\(.*?\)\s*)?replace\s+columns\b", re.I | re.S)


def replace_columns(tree: exp.Expression, ctx):
    if not _REPLACE.match(ctx.source.lstrip()):
        return tree
    ctx.flag("replace_columns", "error", "REPLACE COLUMNS: Hive changed only the column list and kept reading the files; "
             "Iceberg tracks columns by id, so replacing them (drop, then add) leaves their data unreadable",
             fix="write the actual changes as ALTER TABLE ... RENAME COLUMN / ADD COLUMN / DROP COLUMN / ALTER COLUMN "
             "SET DATA TYPE, one at a time", node=tree)
    return exp.Command(this="ALTER")
