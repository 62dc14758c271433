"""INSERT OVERWRITE [LOCAL] DIRECTORY: files written outside any table.

Trino has no such statement. Its equivalent is a CTAS into a throw-away Hive-catalog table whose
`external_location` is the directory, with the format and delimiters the ROW FORMAT / STORED AS asked
for (Hive's default for a directory is TEXTFILE with \\001 between fields, which is also Trino's), then
DROP TABLE: the table is external, so the files stay. LOCAL DIRECTORY is the client's own disk: no
SQL engine on the cluster can write there, so the output is the query with its columns joined as Hive's text
files had them, for the trino CLI to write into a file (review). Spark has the statement natively: kept, flagged for the path.
"""
from __future__ import annotations

import hashlib

from sqlglot import exp

from .grants import HIVE_CATALOG
from .util import name_columns, query_with_ctes

_STORED = {"textfile": "TEXTFILE", "sequencefile": "SEQUENCEFILE", "rcfile": "RCBINARY", "orc": "ORC",
           "parquet": "PARQUET", "avro": "AVRO", "jsonfile": "JSON"}
# serde class (last dotted part, lower case) -> Trino Hive format; DelimitedJSONSerDe & co. have none
_SERDES = {"lazysimpleserde": "TEXTFILE", "jsonserde": "JSON", "opencsvserde": "CSV", "avroserde": "AVRO",
           "parquethiveserde": "PARQUET", "orcserde": "ORC", "lazybinarycolumnarserde": "RCBINARY", "columnarserde": "RCTEXT"}
_CSV_PROPS = {"separatorchar": "csv_separator", "quotechar": "csv_quote", "escapechar": "csv_escape"}
_TEXT_PROPS = {"field.delim": "textfile_field_separator", "escape.delim": "textfile_field_separator_escape",
               "serialization.null.format": "null_format"}
_OBJECT_STORES = ("s3://", "s3a://", "s3n://", "gs://", "abfs://", "abfss://", "wasb://", "wasbs://")


class _NoEquivalent(Exception):
    pass


def insert_directory(tree: exp.Expression, ctx):
    if isinstance(tree, exp.MultitableInserts):  # Trino's multi-insert was split earlier; Spark keeps it
        if any(_is_directory(i) for i in tree.expressions):
            _spark_warning(tree, ctx)
        return tree
    if not _is_directory(tree):
        return tree
    if ctx.target != "trino":
        _spark_warning(tree, ctx)
        return tree
    directory = tree.this
    if directory.args.get("local"):
        return _local_directory(tree, ctx)
    try:
        stored = tree.args.get("stored")
        props, notes = _properties(directory.args.get("row_format"), stored if isinstance(stored, exp.Expression) else None)
    except _NoEquivalent as exc:
        ctx.flag("insert_directory", "error", str(exc), fix="write the query result with Spark (it has INSERT OVERWRITE "
                 "DIRECTORY), or pick a format Trino's Hive connector writes", node=tree)
        return exp.Command(this="INSERT")
    path = directory.this.name
    query = query_with_ctes(tree)
    if name_columns(query):
        notes.append("unnamed or repeated select expressions got Hive's names _c0, _c1, ... (a table needs unique column names)")
    if not path.startswith(_OBJECT_STORES):
        notes.append("the directory is not an object-store URI: external_location needs the full s3a:// path")
    table = f"{HIVE_CATALOG}.default.okdp_dir_{hashlib.sha1(path.encode()).hexdigest()[:10]}"
    props.insert(0, exp.Property(this=exp.var("external_location"), value=exp.Literal.string(path)))
    create = exp.Create(this=exp.to_table(table), kind="TABLE", expression=query, properties=exp.Properties(expressions=props))
    ctx.flag("insert_directory", "warning", "INSERT OVERWRITE DIRECTORY became CREATE TABLE ... AS SELECT into a throw-away "
             f"external table {table} at that directory, then DROP TABLE (the files stay); it needs "
             "hive.non-managed-table-writes-enabled=true on the Hive catalog, and the directory must be empty or absent "
             "(Hive's OVERWRITE deleted what was there; Trino does not)" + "".join(f"; {n}" for n in notes),
             fix=f"empty the directory first (e.g. with the workflow's S3 tooling); rename {table} if the Hive catalog "
             f"is not called {HIVE_CATALOG}", node=tree)
    return [create, f"DROP TABLE {table}"]


def _local_directory(tree: exp.Insert, ctx):
    """LOCAL DIRECTORY is the client's own disk: no statement on the cluster can write there, but the trino CLI
    can run the query and write its rows to a file. Text only: the CLI writes no ORC, Parquet or Avro."""
    stored = tree.args.get("stored")
    word = stored.this.name.lower() if isinstance(stored, exp.Expression) and stored.this is not None else "textfile"
    row_format = tree.this.args.get("row_format")
    delim = "\001"
    if isinstance(row_format, exp.RowFormatDelimitedProperty) and row_format.args.get("fields") is not None:
        delim = row_format.args["fields"].name.replace("\\t", "\t")
    if word != "textfile" or isinstance(row_format, exp.RowFormatSerdeProperty):
        ctx.flag("insert_directory", "error", "INSERT OVERWRITE LOCAL DIRECTORY writes to the client's own disk and "
                 f"{'STORED AS ' + word.upper() if word != 'textfile' else 'a SerDe'} is not text: the trino CLI writes "
                 "text only", fix="write the files with Spark (INSERT OVERWRITE DIRECTORY to the object store) and "
                 "download them", node=tree)
        return exp.Command(this="INSERT")
    query = query_with_ctes(tree)
    if not _one_text_column(query, _unescape(delim)):
        ctx.flag("insert_directory", "error", "INSERT OVERWRITE LOCAL DIRECTORY of SELECT * (or a set operation): its "
                 "columns cannot be joined with the field separator here", fix="list the columns, then rewrite again",
                 node=tree)
        return exp.Command(this="INSERT")
    path = tree.this.this.name
    ctx.flag("insert_directory", "warning", "INSERT OVERWRITE LOCAL DIRECTORY writes the rows to the client's own disk: "
             "the output is the query, its columns joined by the field separator with NULL as \\N, as Hive wrote them; "
             f"run it with the trino CLI "
             f"--output-format CSV_UNQUOTED redirected to a file in {path} (empty it first: Hive's OVERWRITE replaced its "
             "content). Numbers and dates are written as Trino's CAST to VARCHAR writes them; arrays and maps must be "
             "cast by hand", fix=f"trino --output-format CSV_UNQUOTED --file this.sql > {path}/000000_0", node=tree)
    return query


def _unescape(delim: str) -> str:
    """Hive's spelling of a delimiter ('\\t', '\\001', '9') -> the character."""
    if delim.startswith("\\") and delim[1:].isdigit():
        return chr(int(delim[1:], 8))
    if delim.isdigit():
        return chr(int(delim))
    return {"\\t": "\t", "\\n": "\n"}.get(delim, delim[:1])


def _one_text_column(query: exp.Expression, sep: str) -> bool:
    """Turn a plain SELECT into one text column: its values joined by sep, NULL as \\N (Hive's text output)."""
    if not isinstance(query, exp.Select) or any(isinstance(e, exp.Star) or isinstance(e.this, exp.Star)
                                                 for e in query.expressions):
        return False
    by_alias = {e.alias.lower(): e.this for e in query.expressions if isinstance(e, exp.Alias)}
    order = query.args.get("order")
    for o in (order.expressions if order is not None else []):  # the aliases and positions go away with the columns
        key = o.this
        if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.name) <= len(query.expressions):
            o.set("this", query.expressions[int(key.name) - 1].unalias().copy())
        elif isinstance(key, exp.Column) and not key.table and key.name.lower() in by_alias:
            o.set("this", by_alias[key.name.lower()].copy())
    parts = [exp.Coalesce(this=exp.Cast(this=e.unalias().copy(), to=exp.DataType.build("VARCHAR")),
                          expressions=[exp.Literal.string("\\N")]) for e in query.expressions]
    query.set("expressions", [exp.alias_(exp.Anonymous(this="concat_ws", expressions=[_string(sep), *parts]), "line")])
    return True


def _is_directory(node: exp.Expression) -> bool:
    return isinstance(node, exp.Insert) and isinstance(node.this, exp.Directory)


def _spark_warning(tree: exp.Expression, ctx) -> None:
    local = any(isinstance(d, exp.Directory) and d.args.get("local") for d in tree.find_all(exp.Directory))
    ctx.flag("insert_directory", "warning", "INSERT OVERWRITE DIRECTORY writes files outside any table" + (
             "; LOCAL is the Spark driver's own disk (on OKDP a pod's, gone when the job ends)" if local else ""),
             fix="check the path points at the object store and the format/delimiters are the ones readers expect", node=tree)


def _properties(row_format, stored) -> tuple[list[exp.Property], list[str]]:
    """Trino Hive table properties for the directory's ROW FORMAT / STORED AS, and notes for the finding."""
    fmt = None
    if stored is not None:
        word = stored.this.name.lower() if isinstance(stored.this, (exp.Var, exp.Identifier, exp.Literal)) else "inputformat"
        fmt = _STORED.get(word)
        if fmt is None:
            raise _NoEquivalent(f"STORED AS {word.upper()}: Trino's Hive connector writes no such format")
    props: dict[str, str] = {}
    notes: list[str] = []
    if isinstance(row_format, exp.RowFormatSerdeProperty):
        serde = row_format.this.name
        serde_fmt = _SERDES.get(serde.rsplit(".", 1)[-1].lower())
        if serde_fmt is None or (fmt and fmt != "TEXTFILE" and fmt != serde_fmt):
            raise _NoEquivalent(f"SerDe {serde}: Trino's Hive connector has no format writing the same files")
        fmt = serde_fmt
        given = row_format.args.get("serde_properties")
        for item in (given.expressions if given is not None else []):
            key, value = item.name.lower(), item.args["value"].name if isinstance(item.args.get("value"), exp.Literal) else None
            names = _CSV_PROPS if fmt == "CSV" else _TEXT_PROPS if fmt == "TEXTFILE" else {}
            if key == "serialization.format" and value is not None and value == props.get("textfile_field_separator", value):
                continue  # LazySimpleSerDe's old spelling of the field delimiter
            if key not in names or value is None:
                raise _NoEquivalent(f"SERDEPROPERTIES '{key}': Trino's Hive connector has no such table property")
            props[names[key]] = value
    elif isinstance(row_format, exp.RowFormatDelimitedProperty):
        if fmt not in (None, "TEXTFILE"):
            raise _NoEquivalent(f"ROW FORMAT DELIMITED with {fmt}: Trino sets delimiters for TEXTFILE only")
        fmt = "TEXTFILE"
        args = row_format.args
        for arg, name in (("fields", "textfile_field_separator"), ("escaped", "textfile_field_separator_escape"),
                          ("null", "null_format")):
            if args.get(arg) is not None:
                props[name] = args[arg].name
        lines = args.get("lines")
        if lines is not None and lines.name not in ("\n", "\\n"):
            raise _NoEquivalent("LINES TERMINATED BY other than newline: Trino writes newline-separated rows only")
        nested = [w for a, w in (("collection_items", "COLLECTION ITEMS"), ("map_keys", "MAP KEYS")) if args.get(a) is not None]
        if nested:
            notes.append(f"{' and '.join(nested)} TERMINATED BY cannot be set: Trino writes arrays/maps with \\002 and "
                         "\\003; check the result has no array or map column, or that its readers take those")
    for name in ("textfile_field_separator", "textfile_field_separator_escape", "csv_separator", "csv_quote", "csv_escape"):
        value = props.get(name)
        if value is not None:
            value = value.replace("\\\\", "\\")
            if len(value) != 1:
                raise _NoEquivalent(f"{name} '{value}': Trino takes a single character")
            props[name] = value
    if fmt is None:
        notes.append("no STORED AS: Hive wrote hive.default.fileformat, TEXTFILE unless the cluster set another")
    if fmt == "CSV":
        notes.append("Trino's CSV format takes VARCHAR columns only: cast the select expressions if the CTAS refuses them")
    out = [exp.Property(this=exp.var("format"), value=exp.Literal.string(fmt or "TEXTFILE"))]
    out += [exp.Property(this=exp.var(k), value=_string(v)) for k, v in props.items()]
    return out, notes


def _string(value: str) -> exp.Expression:
    """A Trino string literal; control characters (Hive's \\001 ...) as a Unicode escape literal."""
    if value.isprintable():
        return exp.Literal.string(value)
    return exp.var("U&'" + "".join(c if c.isprintable() and c != "\\" else f"\\{ord(c):04x}" for c in value) + "'")
