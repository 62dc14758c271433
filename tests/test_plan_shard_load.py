"""A loaded plan reads only the rows a step needs from its Parquet sidecar: a shard its own files, the
Iceberg step its tables' files. Checked by counting the FileEntry objects made (the old load made one per
file of the whole plan, whatever the shard) and by comparing with the same plan held in memory."""
from __future__ import annotations

import pytest
from okdp_migrate import plan as planmod
from okdp_migrate.errors import BadInputError
from okdp_migrate.plan import FileEntry, MappingRule, Plan, TablePlan
from okdp_migrate.plan.shards import pack

pytestmark = pytest.mark.unit

SHARDS = 3


def _files() -> list[FileEntry]:
    tables = ["db.t", "db.u", None, "db.v"]
    files = [FileEntry(src=f"/d/{tables[n % 4] or 'loose'}/f{n:03d}", size=100 + 7 * n, mtime=1, table=tables[n % 4],
                       owner="hive") for n in range(40)]
    for f, s in zip(files, pack([(f.size, f.table) for f in files], SHARDS)):
        f.shard = s
    return files


def _tables() -> dict[str, TablePlan]:
    return {fqn: TablePlan(fqn=fqn, kind="table", strategy="register", iceberg={"namespace": "db", "table": fqn[3:]})
            for fqn in ("db.t", "db.u", "db.v")}


def _in_memory() -> Plan:
    return Plan(target="s3://lake/p", mappings=[MappingRule("/d", "s3://lake/p")], tables=_tables(),
                shard_count=SHARDS, files=_files())


@pytest.fixture
def saved(tmp_path):
    return planmod.save(_in_memory(), tmp_path / "p.yaml")


@pytest.fixture
def made(monkeypatch):
    """Counts the FileEntry objects made from here on (the test's own expectations are built first)."""
    count = {"n": 0}
    real = FileEntry.__init__

    def counting(self, *args, **kwargs):
        count["n"] += 1
        real(self, *args, **kwargs)

    monkeypatch.setattr(FileEntry, "__init__", counting)
    return count


def test_loading_a_plan_makes_no_file_entry(saved, made):
    plan = planmod.load(saved)
    assert plan.shard_count == SHARDS and set(plan.tables) == {"db.t", "db.u", "db.v"}
    assert made["n"] == 0


@pytest.mark.parametrize("index", range(SHARDS))
def test_a_shard_of_the_plans_split_makes_entries_for_its_own_rows_only(saved, made, index):
    from okdp_migrate.copy.items import items_from_plan

    expected = list(_in_memory().items(shard=(index, SHARDS)))
    made["n"] = 0
    _, items = items_from_plan(str(saved), (index, SHARDS))
    assert items == expected and items and all(i.shard == index for i in items)
    assert made["n"] == len(expected) < 40


def test_another_shard_count_repacks_from_two_columns_and_makes_that_shards_entries_only(saved, made):
    plan = planmod.load(saved)
    for index in range(2):
        expected = list(_in_memory().items(shard=(index, 2)))
        made["n"] = 0
        assert list(plan.items(shard=(index, 2))) == expected
        assert made["n"] == len(expected) < 40
    assert plan.shard_assignment(2) == _in_memory().shard_assignment(2)


def test_the_commit_steps_table_read_is_exactly_that_tables_items_in_plan_order(saved, made):
    everything = list(_in_memory().items())
    wanted = [i for i in everything if i.table in ("db.u", "db.v")]
    made["n"] = 0
    plan = planmod.load(saved)
    got = list(plan.items(tables={"db.u", "db.v"}))
    assert got == wanted and made["n"] == len(wanted) == 20
    assert plan.table_items("db.t") == [i for i in everything if i.table == "db.t"]
    assert list(plan.items(tables=set())) == []
    assert plan.rows_of({"db.u"}) == [n for n, i in enumerate(everything) if i.table == "db.u"]
    both = list(plan.items(shard=(1, SHARDS), tables={"db.t"}))
    assert both == [i for i in everything if i.table == "db.t" and i.shard == 1]


def test_the_whole_list_is_still_there_on_demand(saved):
    plan = planmod.load(saved)
    assert plan.file_tables() == {"db.t", "db.u", "db.v"}
    assert plan.bytes == sum(f.size for f in _files())
    assert plan.files == _files() and list(plan.items()) == list(_in_memory().items())
    assert plan.shard_summary() == _in_memory().shard_summary()


def test_a_file_outside_the_shard_range_is_refused_at_load(tmp_path):
    path = planmod.save(_in_memory(), tmp_path / "p.yaml")
    text = path.read_text()
    assert f"count: {SHARDS}" in text
    path.write_text(text.replace(f"count: {SHARDS}", "count: 2"))  # the YAML's hash covers the sidecar only
    with pytest.raises(BadInputError, match=r"outside 0\.\.1"):
        planmod.load(path)


def test_a_sidecar_replaced_after_load_is_refused_not_read(saved, tmp_path):
    plan = planmod.load(saved)
    other = _files()[:5]
    planmod.save(Plan(target="s3://lake/p", mappings=plan.mappings, tables={}, shard_count=SHARDS, files=other),
                 tmp_path / "other.yaml")
    (tmp_path / "other.yaml.files.parquet").replace(tmp_path / "p.yaml.files.parquet")
    with pytest.raises(BadInputError, match="changed"):
        list(plan.items(shard=(0, SHARDS)))


def test_the_iceberg_step_reads_only_the_rows_of_the_tables_it_may_commit(saved, made):
    from okdp_migrate.iceberg_commit import _files_hash, commit_tables

    class NothingVerified:  # a journal with no verified file: every table stays pending, no catalog is opened
        def entries(self):
            return iter(())

    plan = planmod.load(saved)
    plan.tables["db.u"].strategy = "copy_only"  # not an Iceberg table: its rows need not be read
    expected = {fqn: sorted((i for i in _in_memory().items() if i.table == fqn), key=lambda i: i.src)
                for fqn in ("db.t", "db.v")}
    made["n"] = 0
    results: list = []
    assert commit_tables(plan, NothingVerified(), {}, tables=["db.t", "db.u", "db.v"], results=results) == 0
    assert {r.table: (r.status, r.files, r.files_hash) for r in results} == {
        fqn: ("pending", len(items), _files_hash(items)) for fqn, items in expected.items()}
    assert made["n"] == 20  # db.t and db.v: 10 files each; db.u and the loose files are not read
