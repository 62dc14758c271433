"""The rules, in the order they run. Each is a function (tree, ctx) of the same name as its module's
subject; a rule returns the new tree, or a list of statements (trees or literal target SQL)."""
from __future__ import annotations

from sqlglot import exp

from .add_columns import add_columns
from .alter_table import alter_table
from .array_index import array_index
from .avro_columns import avro_columns
from .arithmetic import arithmetic
from .concat_ws import concat_ws
from .create_table import create_table
from .create_view import create_view
from .date_patterns import date_patterns
from .describe_show import describe_show
from .drop_purge import drop_purge
from .grants import grants
from .group_by_modifiers import group_by_modifiers
from .hints import hints
from .hive_clauses import hive_clauses
from .hive_functions import hive_functions
from .implicit_coercion import implicit_coercion
from .insert_partition import insert_partition
from .insert_with import insert_with
from .json_path import json_path
from .lateral_view import lateral_view
from .load_data import load_data
from .macros import macros
from .maintenance import maintenance
from .merge_insert import merge_insert
from .misc_semantics import sort_array, transform_script, udf_calls
from .multi_insert import multi_insert
from .percentile import percentile
from .predicate_parens import predicate_parens
from .schemas import schemas
from .semantics import collect_set, distribute_sort, interval_days, size_null, struct_names, substr_zero, trunc_date
from .tablesample import tablesample

RULES = (
    # statements Hive has and the targets spell differently (often kept by sqlglot as opaque commands)
    grants, hive_clauses, maintenance, load_data, alter_table, add_columns, drop_purge, schemas, describe_show,
    # DDL and DML shape
    avro_columns, create_table, create_view, multi_insert, insert_partition, insert_with, merge_insert, tablesample, hints,
    group_by_modifiers,
    # expressions: Hive semantics kept or flagged (P1..P19); macros first so their expansions get the rules too
    macros, predicate_parens, concat_ws, interval_days, lateral_view, json_path, date_patterns, trunc_date, collect_set,
    size_null, substr_zero, sort_array, array_index, implicit_coercion, arithmetic, struct_names, distribute_sort,
    hive_functions, transform_script, udf_calls,
    # last: these write Trino/Spark expressions that the rules above must not rewrite again
    percentile,
)

# Node types each expression rule looks at. The engine walks the tree once, and again only after a rule
# ran, and skips a rule when none of its types is in the tree (most statements touch a few rules only).
# A rule not listed here always runs.
WANTS = {
    tablesample: (exp.TableSample,), hints: (exp.Hint,), group_by_modifiers: (exp.Group,),
    macros: (exp.Anonymous,), predicate_parens: (exp.In, exp.Between, exp.Like), concat_ws: (exp.ConcatWs,),
    interval_days: (exp.Alias, exp.Interval), lateral_view: (exp.Lateral,), json_path: (exp.JSONExtractScalar,),
    date_patterns: (exp.TimeToStr, exp.StrToUnix, exp.UnixToStr, exp.Anonymous),
    trunc_date: (exp.TimestampTrunc, exp.DateTrunc), collect_set: (exp.ArrayUniqueAgg,), size_null: (exp.ArraySize,),
    substr_zero: (exp.Substring,), sort_array: (exp.ArraySort,), array_index: (exp.Bracket,),
    arithmetic: (exp.Div, exp.Cast), struct_names: (exp.Struct,), distribute_sort: (exp.Distribute, exp.Sort, exp.Cluster),
    hive_functions: (exp.Anonymous, exp.AddMonths, exp.Ascii, exp.Elt, exp.NextDay, exp.SubstringIndex, exp.CurrentDatabase,
                     exp.Factorial),
    implicit_coercion: (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE),
    transform_script: (exp.QueryTransform,), udf_calls: (exp.Anonymous,),
    percentile: (exp.Quantile, exp.PercentileCont, exp.PercentileDisc, exp.WithinGroup),
}
