"""Avro tables declared without columns take them from `avro.schema.literal` (TBLPROPERTIES or
SERDEPROPERTIES); Iceberg needs them in the DDL, so they are written out from the Avro schema.
A schema in an external file (`avro.schema.url`) cannot be read here: flagged."""
from __future__ import annotations

import json

from sqlglot import exp

_PRIMITIVE = {"int": "INT", "long": "BIGINT", "string": "STRING", "boolean": "BOOLEAN", "float": "FLOAT",
              "double": "DOUBLE", "bytes": "BINARY", "fixed": "BINARY", "enum": "STRING"}


def hive_type(avro) -> str | None:
    """Hive's reading of an Avro type (what AvroSerDe shows as the column type), or None when unknown."""
    if isinstance(avro, list):  # a union with null is the nullable type; other unions have no SQL type
        rest = [t for t in avro if t != "null"]
        return hive_type(rest[0]) if len(rest) == 1 else None
    if isinstance(avro, str):
        return _PRIMITIVE.get(avro)
    if not isinstance(avro, dict):
        return None
    logical, kind = avro.get("logicalType"), avro.get("type")
    if logical == "decimal":
        return f"DECIMAL({int(avro.get('precision', 10))}, {int(avro.get('scale', 0))})"
    if logical == "date":
        return "DATE"
    if logical in ("timestamp-millis", "timestamp-micros"):
        return "TIMESTAMP"
    if kind == "array":
        inner = hive_type(avro.get("items"))
        return f"ARRAY<{inner}>" if inner else None
    if kind == "map":
        inner = hive_type(avro.get("values"))
        return f"MAP<STRING, {inner}>" if inner else None
    if kind == "record":
        fields = [(f.get("name"), hive_type(f.get("type"))) for f in avro.get("fields") or []]
        if not fields or any(not n or not t for n, t in fields):
            return None
        return "STRUCT<" + ", ".join(f"{n}: {t}" for n, t in fields) + ">"
    return hive_type(kind) if isinstance(kind, (str, list)) else None


def _props(props: exp.Properties) -> dict[str, str]:
    out = {}
    for p in props.expressions:
        if isinstance(p, exp.RowFormatSerdeProperty) and p.args.get("serde_properties") is not None:
            p = p.args["serde_properties"]  # ROW FORMAT SERDE '...' WITH SERDEPROPERTIES (...)
        items = p.expressions if isinstance(p, exp.SerdeProperties) else [p]
        for item in items:
            if isinstance(item, exp.Property) and isinstance(item.args.get("value"), exp.Literal):
                out[item.name.lower()] = item.args["value"].name
    return out


def avro_columns(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Create) or (tree.args.get("kind") or "").upper() != "TABLE" or tree.expression is not None:
        return tree
    props = tree.args.get("properties")
    if props is None or isinstance(tree.this, exp.Schema):
        return tree
    avro = _props(props)
    if "avro.schema.literal" not in avro:
        if "avro.schema.url" in avro:
            ctx.flag("avro_columns", "error", f"columns come from the Avro schema file {avro['avro.schema.url']}, not "
                     "readable here", fix="write the columns into the DDL (or pass --from-scan: the metastore has them)")
        return tree
    try:
        schema = json.loads(avro["avro.schema.literal"])
        fields = [(f["name"], hive_type(f["type"])) for f in schema["fields"]]
    except (ValueError, KeyError, TypeError) as exc:
        ctx.flag("avro_columns", "error", f"avro.schema.literal does not read as an Avro record schema: {exc}")
        return tree
    if any(t is None for _, t in fields):
        bad = ", ".join(n for n, t in fields if t is None)
        ctx.flag("avro_columns", "error", f"Avro field types with no SQL type here: {bad}", fix="write the columns by hand")
        return tree
    columns = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t, dialect="hive")) for n, t in fields]
    tree.set("this", exp.Schema(this=tree.this.copy(), expressions=columns))
    ctx.flag("avro_columns", "info", f"{len(columns)} columns written out from avro.schema.literal", node=tree)
    return tree
