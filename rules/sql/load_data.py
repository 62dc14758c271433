"""LOAD DATA [LOCAL] INPATH ... [OVERWRITE] INTO TABLE t [PARTITION (...)] (P16).

Neither target loads files into a table by moving them; the files are registered with Iceberg's
add_files (review: the format must be one Iceberg reads, and LOCAL files must first reach the object store).
"""
from __future__ import annotations

import re

from sqlglot import exp

from .util import parse_spec, spec_predicate, unquote

_LOAD = re.compile(r"load\s+data\s+(local\s+)?inpath\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s+(overwrite\s+)?into\s+table\s+"
                   r"([\w.`${}]+)\s*(?:partition\s*\((.*?)\))?", re.I | re.S)


def load_data(tree: exp.Expression, ctx):
    if not isinstance(tree, (exp.LoadData, exp.Command)):
        return tree
    m = _LOAD.match(ctx.source.strip())
    if not m:
        return tree
    local, path, overwrite, table, spec = m.groups()
    path = unquote(path)
    parsed = parse_spec(spec) if spec else []
    out = []
    if overwrite:
        where = spec_predicate(parsed)
        out.append(f"DELETE FROM {table}" + (f" WHERE {where}" if where else ""))
    if ctx.target == "trino":
        out.append(f"ALTER TABLE {table} EXECUTE add_files(location => '{path}', format => 'PARQUET')")
    else:
        filt = ", ".join(f"'{c}', {v}" for c, _, v in parsed if v)
        out.append(f"CALL system.add_files(table => '{table}', source_table => '`parquet`.`{path}`'"
                   + (f", partition_filter => map({filt})" if filt else "") + ")")
    ctx.flag("load_data", "warning", "LOAD DATA became a registration of the files into the Iceberg table (format "
             "assumed PARQUET; Hive moved the files, here they stay where they are)",
             fix="check the file format (text/CSV files must be rewritten with INSERT ... SELECT from a staging table)"
             + ("; LOCAL files must first be copied to the object store" if local else ""))
    return out
