"""get_json_object (P5): Hive returns the JSON text of an object or array; Trino's json_extract_scalar
returns NULL there, so the output falls back to json_format(json_extract(...))."""
from __future__ import annotations

from sqlglot import exp


def hive_json_value(doc: exp.Expression, path: str) -> exp.Expression:
    lit = exp.Literal.string(path)
    scalar = exp.Anonymous(this="json_extract_scalar", expressions=[doc.copy(), lit])
    text = exp.Anonymous(this="json_format", expressions=[exp.Anonymous(this="json_extract", expressions=[doc.copy(), lit.copy()])])
    return exp.Coalesce(this=scalar, expressions=[text])


def json_path(tree: exp.Expression, ctx):
    for node in list(tree.find_all(exp.JSONExtractScalar)):
        path = node.expression
        if path.find(exp.JSONPathRecursive) is not None:
            # Hive splits the path on '.', finds an empty key and returns NULL whatever the document (its own
            # udf_get_json_object test shows it); both targets would read '..' as recursive descent instead
            new = exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))
            node.replace(new)
            ctx.flag("json_path", "info", "get_json_object with '..' in the path: NULL, as Hive returns for any "
                     "document", node=new)
            continue
        if ctx.target != "trino":
            continue
        try:
            text = path.sql("hive").strip("'") if not isinstance(path, exp.Literal) else path.name
        except ValueError:  # a path sqlglot cannot write back
            ctx.flag("json_path", "error", "JSON path sqlglot cannot write back", fix="rewrite the path explicitly",
                     node=node)
            continue
        if "*" in text or ".." in text:
            ctx.flag("json_path", "warning", f"JSON path {text} uses wildcards: Hive returns a JSON array, Trino's "
                     "JSON functions differ", fix="use json_query(doc, 'lax $...' WITH ARRAY WRAPPER)", node=node)
            node.replace(exp.Anonymous(this="json_extract", expressions=[node.this.copy(), exp.Literal.string(text)]))
            continue
        node.replace(hive_json_value(node.this, text))
        ctx.flag("json_path", "info", "get_json_object: objects and arrays returned as JSON text, as in Hive", node=node)
    return tree
