"""Read one Hive data file (text, CSV, JSON, ORC, Avro, Parquet) into an Arrow table shaped like the Iceberg schema.

Used by the Iceberg commit for the `rewrite` strategy. Semantics follow Hive's SerDes: LazySimpleSerDe
fields split on `field.delim` (default Ctrl-A), `\\N` is NULL, an empty field is NULL for non-string
columns; Hive ORC files that name columns _col0.._colN are matched by position; Hive ACID ORC files
are unwrapped from their `row` struct.
"""
from __future__ import annotations

from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from .errors import BadInputError
from .plan.model import TablePlan

ACID_COLUMNS = {"operation", "originaltransaction", "bucket", "rowid", "currenttransaction", "row"}


def delimiter(value: str | None, default: str) -> str:
    """Hive stores a delimiter as the character, or as its byte value in decimal ('1' is Ctrl-A)."""
    if value is None or value == "":
        return default
    if value.isdigit():
        return chr(int(value))
    return value[0]


def read(fmt: str, stream: BinaryIO, table: TablePlan, schema: pa.Schema, obj: str) -> pa.Table:
    """The file's rows as a table with exactly `schema`'s columns (data columns, no partition columns)."""
    try:
        if fmt == "text":
            raw = _read_delimited(stream, table, schema, quote=None)
        elif fmt == "csv":
            p = table.serde_params
            raw = _read_delimited(stream, table, schema, quote=p.get("quoteChar", '"'),
                                  sep=p.get("separatorChar", ","), escape=p.get("escapeChar", "\\"))
        elif fmt == "json":
            import pyarrow.json as pj

            raw = pj.read_json(stream, parse_options=pj.ParseOptions(explicit_schema=schema,
                                                                    unexpected_field_behavior="ignore"))
        elif fmt == "orc":
            import pyarrow.orc as po

            raw = _unwrap_acid(po.ORCFile(stream).read())
        elif fmt == "avro":
            import fastavro

            raw = pa.Table.from_pylist(list(fastavro.reader(stream)))
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            raw = pq.read_table(stream)
        else:
            raise BadInputError(f"cannot rewrite format '{fmt}'", obj=obj,
                                fix="set the table's strategy to copy_only in the plan")
        return conform(raw, schema, obj, positional=fmt == "orc")
    except BadInputError:
        raise
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, KeyError) as exc:
        raise BadInputError(f"cannot read this {fmt} file as the table's schema ({exc})", obj=obj,
                            fix="check the table's columns and SerDe settings, or set its strategy to copy_only") from None


def _read_delimited(stream: BinaryIO, table: TablePlan, schema: pa.Schema, quote: str | None,
                    sep: str | None = None, escape: str | None = None) -> pa.Table:
    import pyarrow.csv as pcsv

    p = table.serde_params
    sep = sep or delimiter(p.get("field.delim") or p.get("serialization.format"), "\x01")
    names = schema.names
    header = int(p.get("skip.header.line.count", "0") or 0)
    table_raw = pcsv.read_csv(
        stream,
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=header, block_size=1 << 22),
        parse_options=pcsv.ParseOptions(delimiter=sep, quote_char=quote or False,
                                        escape_char=(escape or False) if quote else (p.get("escape.delim") or False),
                                        newlines_in_values=False),
        convert_options=pcsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                            null_values=[p.get("serialization.null.format", "\\N")],
                                            strings_can_be_null=True, quoted_strings_can_be_null=False))
    cols = []
    for field in schema:
        col = table_raw.column(field.name)
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            if not _primitive(field.type):
                raise BadInputError(f"column {field.name}: complex types in text files are not rewritten yet",
                                    obj=table.fqn, fix="set the table's strategy to copy_only in the plan")
            col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
            col = _cast_text(col, field.type)
        cols.append(col)
    return pa.table(cols, schema=pa.schema([pa.field(f.name, c.type) for f, c in zip(schema, cols)]))


def _primitive(t: pa.DataType) -> bool:
    return not (pa.types.is_list(t) or pa.types.is_map(t) or pa.types.is_struct(t) or pa.types.is_large_list(t))


def _cast_text(col: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_timestamp(to):
        # Hive text timestamps: 'yyyy-mm-dd hh:mm:ss[.fffffffff]'
        return pc.cast(pc.replace_substring(col, " ", "T", max_replacements=1), to)
    if pa.types.is_boolean(to):
        return pc.equal(pc.utf8_lower(col), "true")
    return pc.cast(col, to)


def _unwrap_acid(t: pa.Table) -> pa.Table:
    """A Hive ACID ORC file holds (operation, ..., row struct): keep the inserted rows' `row`."""
    if {n.lower() for n in t.column_names} >= ACID_COLUMNS:
        inserted = t.filter(pc.equal(t.column("operation"), 0))
        return pa.Table.from_struct_array(inserted.column("row").combine_chunks())
    return t


def conform(raw: pa.Table, schema: pa.Schema, obj: str, positional: bool = False) -> pa.Table:
    """Select and cast the columns of `schema` from `raw`, by name (case-insensitive) or by position
    when the file names its columns _col0.._colN (Hive-written ORC)."""
    by_name = {n.lower(): i for i, n in enumerate(raw.column_names)}
    hive_positional = positional and all(n.lower().startswith("_col") for n in raw.column_names)
    cols = []
    for pos, field in enumerate(schema):
        idx = pos if hive_positional else by_name.get(field.name.lower())
        if idx is None or idx >= raw.num_columns:
            cols.append(pa.nulls(raw.num_rows, field.type))
            continue
        cols.append(_cast(raw.column(idx), field.type))
    return pa.Table.from_arrays(cols, schema=schema)


def _cast(col: Any, to: pa.DataType) -> Any:
    if col.type.equals(to):
        return col
    if pa.types.is_timestamp(col.type) and pa.types.is_timestamp(to) and col.type.tz and not to.tz:
        col = pc.cast(col, pa.timestamp(col.type.unit))
    return col.cast(to, safe=False) if pa.types.is_timestamp(to) else col.cast(to)
