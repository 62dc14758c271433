"""Unit tests for the Hive -> Iceberg type mapping (rules/iceberg_schema.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (DateType, DecimalType, IntegerType, ListType, LongType, MapType, StringType,
                             StructType, TimestampType)

from okdp_migrate.rules.iceberg_schema import (UnsupportedType, parse_partition_name, partition_spec,
                                               partition_value, schema_from_hive, split_top_level)

pytestmark = pytest.mark.unit


def test_primitive_and_lossy_types_with_notes():
    schema, notes = schema_from_hive([{"name": "Code", "type": "CHAR(3)"}, {"name": "label", "type": "varchar(40)"},
                                      {"name": "amount", "type": "decimal(12,2)"}, {"name": "qty", "type": "smallint"},
                                      {"name": "n", "type": "bigint"}, {"name": "ts", "type": "timestamp"},
                                      {"name": "d", "type": "date"}, {"name": "plain", "type": "decimal"}])
    types = {f.name: f.field_type for f in schema.fields}
    assert types["code"] == StringType() and types["label"] == StringType()
    assert types["amount"] == DecimalType(12, 2) and types["plain"] == DecimalType(10, 0)
    assert types["qty"] == IntegerType() and types["n"] == LongType()
    assert types["ts"] == TimestampType() and types["d"] == DateType()
    assert all(not f.required for f in schema.fields)
    assert any("char(3)" in n for n in notes) and any("varchar(40)" in n for n in notes)
    assert any("smallint widened" in n for n in notes)


def test_nested_types_get_unique_ids():
    schema, _ = schema_from_hive([
        {"name": "tags", "type": "array<string>"},
        {"name": "attrs", "type": "map<string,decimal(5,1)>"},
        {"name": "addr", "type": "struct<street:string,zip:varchar(5),geo:struct<lat:double,lon:double>>"},
        {"name": "deep", "type": "array<map<string,array<int>>>"},
    ])
    f = {x.name: x.field_type for x in schema.fields}
    assert isinstance(f["tags"], ListType) and f["tags"].element_type == StringType()
    assert isinstance(f["attrs"], MapType) and f["attrs"].value_type == DecimalType(5, 1)
    assert isinstance(f["addr"], StructType) and [n.name for n in f["addr"].fields] == ["street", "zip", "geo"]
    ids = [schema.find_field(p).field_id for p in schema._name_to_id]
    assert len(ids) == len(set(ids))


def test_partition_columns_come_last_as_identity_partitions():
    schema, _ = schema_from_hive([{"name": "id", "type": "int"}],
                                 [{"name": "dt", "type": "date"}, {"name": "country", "type": "string"}])
    assert [f.name for f in schema.fields] == ["id", "dt", "country"]
    spec = partition_spec(schema, [{"name": "dt", "type": "date"}, {"name": "country", "type": "string"}])
    assert [(p.source_id, p.name) for p in spec.fields] == [(2, "dt"), (3, "country")]
    assert all(isinstance(p.transform, IdentityTransform) for p in spec.fields)


@pytest.mark.parametrize("bad", ["uniontype<int,string>", "interval_day_time", "void", "decimal(40,2)"])
def test_unsupported_types_name_the_column(bad):
    with pytest.raises(UnsupportedType, match="col"):
        schema_from_hive([{"name": "col", "type": bad}])


def test_partition_values_from_hive_paths():
    assert parse_partition_name("dt=2024-01-02/c=a%2Fb/x=__HIVE_DEFAULT_PARTITION__") == \
        {"dt": "2024-01-02", "c": "a/b", "x": None}
    assert partition_value("date", "1970-01-11") == 10
    assert partition_value("int", "7") == 7
    assert partition_value("decimal(5,2)", "1.50") == Decimal("1.50")
    assert partition_value("timestamp", "1970-01-01 00:00:01") == 1_000_000
    assert partition_value("string", None) is None


def test_split_top_level_keeps_nested_separators():
    assert split_top_level("a:int,b:map<string,int>,c:decimal(5,2)") == ["a:int", "b:map<string,int>", "c:decimal(5,2)"]
