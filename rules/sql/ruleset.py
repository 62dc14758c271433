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
from .ddl_types import ddl_types
from .describe_show import describe_show
from .drop_purge import drop_purge
from .exchange_partition import exchange_partition
from .grants import grants
from .group_by_modifiers import group_by_modifiers
from .hints import hints
from .hive_clauses import hive_clauses
from .hive_functions import hive_functions
from .implicit_coercion import implicit_coercion
from .insert_directory import insert_directory
from .insert_partition import insert_partition
from .insert_values import insert_values
from .insert_with import insert_with
from .instr_position import instr_position
from .json_path import json_path
from .lateral_view import lateral_view
from .load_data import load_data
from .macros import macros
from .maintenance import maintenance
from .merge_insert import merge_insert
from .misc_semantics import decimal_literal, sort_array, transform_script, udf_calls
from .multi_insert import multi_insert
from .percentile import percentile
from .predicate_parens import predicate_parens
from .regexp_extract import regexp_extract
from .replace_columns import replace_columns
from .schemas import schemas
from .show_extended import show_extended
from .semantics import collect_set, distribute_sort, interval_days, interval_text, size_null, struct_names, substr_zero, trunc_date
from .tablesample import tablesample
from .udtf_select import udtf_select
from .virtual_columns import virtual_columns

RULES = (
    # column types a CREATE TABLE earlier in the script gives (used by the type-dependent rules below)
    ddl_types,
    # statements Hive has and the targets spell differently (often kept by sqlglot as opaque commands)
    grants, hive_clauses, maintenance, load_data, exchange_partition, replace_columns, alter_table, add_columns,
    drop_purge, schemas, show_extended, describe_show,
    # DDL and DML shape
    avro_columns, create_table, create_view, multi_insert, insert_directory, insert_values, insert_partition, insert_with, merge_insert,
    tablesample, hints, virtual_columns, group_by_modifiers,
    # expressions: Hive semantics kept or flagged (P1..P19); macros first so their expansions get the rules too
    macros, regexp_extract, predicate_parens, concat_ws, interval_days, udtf_select, lateral_view, json_path, date_patterns, trunc_date, collect_set,
    size_null, substr_zero, sort_array, array_index, implicit_coercion, arithmetic, struct_names, distribute_sort,
    decimal_literal, instr_position, hive_functions, transform_script, udf_calls,
    # last: these write Trino/Spark expressions that the rules above must not rewrite again
    percentile, interval_text,
)

# Node types each expression rule looks at. The engine walks the tree once, and again only after a rule
# ran, and skips a rule when none of its types is in the tree (most statements touch a few rules only).
# A rule not listed here always runs.
WANTS = {
    tablesample: (exp.TableSample,), hints: (exp.Hint,), group_by_modifiers: (exp.Group,),
    macros: (exp.Anonymous,), regexp_extract: (exp.RegexpExtract,), predicate_parens: (exp.In, exp.Between, exp.Like), concat_ws: (exp.ConcatWs,),
    interval_days: (exp.Alias, exp.Interval), lateral_view: (exp.Lateral,), json_path: (exp.JSONExtractScalar,),
    date_patterns: (exp.TimeToStr, exp.StrToUnix, exp.UnixToStr, exp.Anonymous),
    trunc_date: (exp.TimestampTrunc, exp.DateTrunc), collect_set: (exp.ArrayUniqueAgg, exp.ArrayAgg), size_null: (exp.ArraySize,),
    substr_zero: (exp.Substring,), sort_array: (exp.ArraySort,), array_index: (exp.Bracket,),
    arithmetic: (exp.Div, exp.Cast), struct_names: (exp.Struct,), distribute_sort: (exp.Distribute, exp.Sort, exp.Cluster),
    hive_functions: (exp.Anonymous, exp.AddMonths, exp.Ascii, exp.Elt, exp.NextDay, exp.SubstringIndex, exp.CurrentDatabase,
                     exp.Factorial),
    implicit_coercion: (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE),
    transform_script: (exp.QueryTransform,), udf_calls: (exp.Anonymous,),
    virtual_columns: (exp.Column,), interval_text: (exp.Interval,), ddl_types: (exp.Create, exp.Drop, exp.Alter, exp.Command), insert_values: (exp.Values,), instr_position: (exp.StrPosition,), decimal_literal: (exp.DataType,), udtf_select: (exp.Aliases, exp.Inline, exp.Stack, exp.Anonymous),
    percentile: (exp.Quantile, exp.PercentileCont, exp.PercentileDisc, exp.WithinGroup),
}
