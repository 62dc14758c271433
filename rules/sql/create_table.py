"""Hive CREATE TABLE (P15) -> Iceberg DDL on both targets.

Trino: WITH (format, partitioning, location); Spark: USING iceberg PARTITIONED BY (...). Hive-only
storage clauses (EXTERNAL, ROW FORMAT, SERDE, INPUTFORMAT, TBLPROPERTIES) go, each named in a finding;
CLUSTERED BY ... INTO n BUCKETS becomes an Iceberg bucket(n, col) partition transform.
"""
from __future__ import annotations

from sqlglot import exp

from .util import FORMATS_ICEBERG, is_hdfs_path

_DROPPED = (exp.RowFormatDelimitedProperty, exp.RowFormatSerdeProperty, exp.SerdeProperties,
            exp.StorageHandlerProperty, exp.ExternalProperty)


def _class_format(prop: exp.Expression) -> str:
    """STORED AS INPUTFORMAT 'org...AvroContainerInputFormat' ...: the format its class names, else 'inputformat'."""
    text = prop.sql("hive").lower()
    found = [f for f in ("avro", "orc", "parquet") if f in text]
    return found[0] if len(found) == 1 else "inputformat"


def create_table(tree: exp.Expression, ctx):
    if not isinstance(tree, exp.Create) or (tree.args.get("kind") or "").upper() != "TABLE":
        return tree
    props = tree.args.get("properties")
    if props is None:
        return tree
    like = next((p for p in props.expressions if isinstance(p, exp.LikeProperty)), None)
    if like is not None:
        name = tree.this.sql(ctx.target)
        exists = "IF NOT EXISTS " if tree.args.get("exists") else ""
        ctx.flag("create_table", "info", "CREATE TABLE ... LIKE: Iceberg table with the same columns", node=tree)
        if ctx.target == "trino":
            return f"CREATE TABLE {exists}{name} (LIKE {like.this.sql('trino')}) WITH (format = 'PARQUET')"
        return f"CREATE TABLE {exists}{name} LIKE {like.this.sql('spark')} USING iceberg"
    keep, dropped, partition_cols, buckets, sorted_by = [], [], [], [], []
    fmt, location, tblprops, temporary = None, None, [], False
    external = any(isinstance(p, exp.ExternalProperty) for p in props.expressions)
    for p in props.expressions:
        if isinstance(p, _DROPPED):
            dropped.append(p.sql("hive").split("(")[0].strip()[:40])
        elif isinstance(p, exp.TemporaryProperty):
            temporary = True
        elif isinstance(p, exp.FileFormatProperty):
            fmt = p.this.name.lower() if isinstance(p.this, (exp.Var, exp.Identifier, exp.Literal)) else _class_format(p)
        elif isinstance(p, exp.LocationProperty):
            location = p.this
        elif isinstance(p, exp.PartitionedByProperty):
            partition_cols = list(p.this.expressions) if isinstance(p.this, exp.Schema) else list(p.this.expressions or [])
        elif isinstance(p, exp.ClusteredByProperty):
            n = p.args.get("buckets")
            buckets = [(c.name, n.copy()) for c in p.expressions if n is not None]
            sorted_by = [o.this.name if isinstance(o, exp.Ordered) else o.name for o in (p.args.get("sorted_by") or [])]
        elif isinstance(p, exp.Property):
            tblprops.append(p.name or p.this.sql())
        elif isinstance(p, exp.SkewedByProperty if hasattr(exp, "SkewedByProperty") else ()):
            dropped.append("SKEWED BY")
        else:
            keep.append(p)

    if dropped or tblprops:
        what = ", ".join(dropped + ([f"TBLPROPERTIES ({', '.join(tblprops)[:80]})"] if tblprops else []))
        ctx.flag("create_table", "info", f"Hive storage clauses dropped for Iceberg: {what}", node=tree)
    iceberg_fmt = FORMATS_ICEBERG.get(fmt or "parquet")
    if iceberg_fmt is None:
        iceberg_fmt = "PARQUET"
        if external or location is not None:  # existing files in that format: they must be rewritten
            ctx.flag("create_table", "warning", f"Iceberg cannot store '{fmt}' files; the table is created as PARQUET",
                     fix="the data must be rewritten, not registered in place (see `okdp-migrate plan`)", node=tree)
        else:  # a new managed table starts empty: rows written through SQL read the same in PARQUET
            ctx.flag("create_table", "info", f"new table stored as PARQUET (Iceberg cannot store '{fmt}' files)", node=tree)
    if temporary:
        ctx.flag("create_table", "warning", f"{ctx.target} has no temporary tables here; a regular table is created",
                 fix="drop it at the end of the job", node=tree)
    if location is not None and is_hdfs_path(location.name):
        ctx.flag("create_table", "warning", f"LOCATION {location.sql()} is an HDFS path",
                 fix="point it at the object store (the plan maps HDFS paths to S3), or drop it to use the warehouse", node=tree)

    schema = tree.this
    names = [c.name for c in partition_cols]
    if isinstance(schema, exp.Schema):  # Hive lists partition columns apart; Iceberg keeps them in the schema
        for c in partition_cols:
            if isinstance(c, exp.ColumnDef):
                schema.append("expressions", c.copy())
    if ctx.target == "trino":
        transforms = [exp.Literal.string(n) for n in names] + [exp.Literal.string(f"bucket({c}, {n.name})") for c, n in buckets]
        keep.append(exp.Property(this=exp.var("format"), value=exp.Literal.string(iceberg_fmt)))
        if transforms:
            keep.append(exp.Property(this=exp.var("partitioning"), value=exp.Array(expressions=transforms)))
        if sorted_by:
            keep.append(exp.Property(this=exp.var("sorted_by"), value=exp.Array(expressions=[exp.Literal.string(s) for s in sorted_by])))
        if location is not None:
            keep.append(exp.Property(this=exp.var("location"), value=location.copy()))
    else:
        keep.insert(0, exp.FileFormatProperty(this=exp.var("iceberg")))
        parts = [exp.to_identifier(n) for n in names] + [exp.Anonymous(this="bucket", expressions=[n.copy(), exp.column(c)]) for c, n in buckets]
        if parts:
            keep.append(exp.PartitionedByProperty(this=exp.Schema(expressions=parts)))
        if location is not None:
            keep.append(exp.LocationProperty(this=location.copy()))
        if iceberg_fmt != "PARQUET":
            keep.append(exp.Property(this=exp.Literal.string("write.format.default"), value=exp.Literal.string(iceberg_fmt.lower())))
        if sorted_by:
            ctx.flag("create_table", "info", f"SORTED BY ({', '.join(sorted_by)}): set it with ALTER TABLE ... WRITE ORDERED BY", node=tree)
    props.set("expressions", keep)
    return tree
