"""The rules, in the order they run. Each is a function (tree, ctx) of the same name as its module's
subject; a rule returns the new tree, or a list of statements (trees or literal target SQL)."""
from __future__ import annotations

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
from .insert_partition import insert_partition
from .insert_with import insert_with
from .json_path import json_path
from .lateral_view import lateral_view
from .load_data import load_data
from .macros import macros
from .maintenance import maintenance
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
    avro_columns, create_table, create_view, multi_insert, insert_partition, insert_with, tablesample, hints, group_by_modifiers,
    # expressions: Hive semantics kept or flagged (P1..P19)
    macros, predicate_parens, concat_ws, interval_days, lateral_view, json_path, date_patterns, trunc_date, collect_set, size_null, substr_zero,
    sort_array, array_index, arithmetic, struct_names, distribute_sort, hive_functions, transform_script, udf_calls,
    # last: these write Trino expressions that the rules above must not rewrite again
    percentile,
)
