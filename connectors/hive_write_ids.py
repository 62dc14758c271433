"""Open and aborted Hive 3 write ids of one table, read from the metastore's database.

Hive 3 numbers a transactional table's directories and ACID rows by per-table WRITE ids. A reader
must skip the writes whose transaction is open or aborted (Hive's ValidWriteIdList). Our thrift
bindings are Hive 2's and have no `get_valid_write_ids`, and a Hive 3 metastore cannot run here, so
this reads the tables Hive 3.1 keeps them in (the metastore DB schema, read-only):
TXN_TO_WRITE_ID (txn -> write id per table), TXNS (state 'o' open, 'a' aborted; Hive 3.1 deletes a
transaction's row when it commits, Hive 4 may keep it as 'c') and NEXT_WRITE_ID (the high-water mark).
Hive 3.1's PostgreSQL schema creates these tables unquoted (lower-case names), Hive 4's quoted upper-case:
the actual spelling is looked up. Unknown is (None, why), never a guess and never an exception.

The compactor's output (`base_N_vM`, `delta_A_B_vM`) is visible only once its TRANSACTION M committed
(Hive's visibilityTxnId). Hive 3.1's COMPACTION_QUEUE does not record the compactor's transaction
(no CQ_TXN_ID), so which open transaction is a compaction of this table cannot be told: instead only the
M's the files name are looked up in TXNS (open or aborted: invalid) and against the transaction
high-water mark (NEXT_TXN_ID; Hive 4 dropped that table and keeps the newest TXNS row instead), a
primary-key lookup of a handful of ids whatever the size of TXNS.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from okdp_migrate.connectors.metastore_db import MetastoreDb
from okdp_migrate.errors import OkdpError

TABLES = ("TXNS", "TXN_TO_WRITE_ID", "NEXT_WRITE_ID")
OPTIONAL = ("NEXT_TXN_ID",)  # Hive 3 only


@dataclass
class WriteIdState:
    table: str  # db.table, lower-case as the metastore stores it
    high_water_mark: int  # highest write id allocated (NEXT_WRITE_ID - 1); 0 when the table never had one
    open: set[int] = field(default_factory=set)
    aborted: set[int] = field(default_factory=set)
    # of the transaction ids asked about (the compactions' `_vM`): open, aborted, or not yet allocated
    invalid_txns: set[int] = field(default_factory=set)
    txn_high_water_mark: int | None = None  # highest transaction id allocated; None when not asked or unknown

    @property
    def invalid(self) -> frozenset[int]:
        return frozenset(self.open | self.aborted)


def write_id_state(db_url: str | None, fqn: str,
                   visibility_txns: Iterable[int] = ()) -> tuple[WriteIdState | None, str]:
    """(state, "") for table `db.table`, else (None, why not) in one line without the password.
    `visibility_txns`: the compactor transaction ids (`_vM`) the table's directories name."""
    if not db_url:
        return None, "no metastore.db_url configured"
    database, _, table = fqn.lower().partition(".")
    try:
        with WriteIdDb(db_url) as db:
            if db.names is None:
                return None, (f"the metastore database ({db.shown}, schema {db.schema_version}) has no "
                              "TXN_TO_WRITE_ID table: not a Hive 3 schema, or ACID never enabled")
            state = db.state(database, table)
            state.invalid_txns, state.txn_high_water_mark = db.invalid_txns(set(visibility_txns))
            return state, ""
    except OkdpError as exc:
        return None, _redacted(exc.one_line(), db_url)
    except Exception as exc:  # noqa: BLE001 - a driver error not translated at the boundary: unknown, not a crash
        return None, f"the metastore database could not be read ({type(exc).__name__})"


def _redacted(text: str, db_url: str) -> str:
    """Driver messages name the host and user; a malformed URL could make one quote the password."""
    password = urlparse(db_url).password
    return text.replace(password, "***").replace(unquote(password), "***") if password else text


class WriteIdDb(MetastoreDb):
    """The metastore database connection (same URL, driver, read-only session and error translation),
    plus the transaction tables."""

    names: dict[str, str] | None = None  # upper-case name -> as the schema spells it; None: no such tables

    def open(self) -> WriteIdDb:
        super().open()
        schema = "DATABASE()" if self.dialect == "mysql" else "current_schema()"
        found = [r[0] for r in self._rows(
            f"SELECT table_name FROM information_schema.tables WHERE table_schema = {schema} "
            "AND upper(table_name) IN ('TXNS', 'TXN_TO_WRITE_ID', 'NEXT_WRITE_ID', 'NEXT_TXN_ID')")]
        names = {n.upper(): n for n in found}
        self.names = names if set(TABLES) <= set(names) else None
        return self

    def _ident(self, table: str, column: str = "") -> str:
        """Quoted as the schema spells it: Hive 3.1 on PostgreSQL folded the unquoted names to lower case."""
        spelled = self.names[table]
        if not column:
            return self.q(spelled)
        return self.q(column.lower() if spelled.islower() else column)

    def state(self, database: str, table: str) -> WriteIdState:
        t2w, txns, nwi = self._ident("TXN_TO_WRITE_ID"), self._ident("TXNS"), self._ident("NEXT_WRITE_ID")

        def w(c):
            return "w." + self._ident("TXN_TO_WRITE_ID", c)

        def t(c):
            return "t." + self._ident("TXNS", c)

        def n(c):
            return self._ident("NEXT_WRITE_ID", c)

        out = WriteIdState(f"{database}.{table}", 0)
        for write_id, txn_state in self._rows(
                f"SELECT {w('T2W_WRITEID')}, {t('TXN_STATE')} FROM {t2w} w JOIN {txns} t "
                f"ON {t('TXN_ID')} = {w('T2W_TXNID')} WHERE {w('T2W_DATABASE')} = %s AND {w('T2W_TABLE')} = %s "
                f"AND {t('TXN_STATE')} IN ('o', 'a')", (database, table)):
            (out.open if str(txn_state).strip() == "o" else out.aborted).add(int(write_id))
        for (next_id,) in self._rows(f"SELECT {n('NWI_NEXT')} FROM {nwi} WHERE {n('NWI_DATABASE')} = %s "
                                     f"AND {n('NWI_TABLE')} = %s", (database, table)):
            out.high_water_mark = int(next_id) - 1
        return out

    def invalid_txns(self, txn_ids: set[int]) -> tuple[set[int], int | None]:
        """(those of `txn_ids` that are open, aborted or above the high-water mark, the mark). A committed
        transaction has no TXNS row in Hive 3.1 (state 'c' in Hive 4), so absent and below the mark is valid."""
        if not txn_ids:
            return set(), None
        txns = self._ident("TXNS")

        def t(c):
            return self._ident("TXNS", c)

        if "NEXT_TXN_ID" in self.names:
            mark_sql = f"SELECT {self._ident('NEXT_TXN_ID', 'NTXN_NEXT')} - 1 FROM {self._ident('NEXT_TXN_ID')}"
        else:  # Hive 4: ids come from a sequence and TXNS keeps the newest transaction's row
            mark_sql = f"SELECT max({t('TXN_ID')}) FROM {txns}"
        mark = next((int(r[0]) for r in list(self._rows(mark_sql)) if r[0] is not None), None)
        asked = sorted(txn_ids)
        placeholders = ", ".join(["%s"] * len(asked))
        invalid = {int(r[0]) for r in self._rows(
            f"SELECT {t('TXN_ID')} FROM {txns} WHERE {t('TXN_ID')} IN ({placeholders}) "
            f"AND {t('TXN_STATE')} IN ('o', 'a')", tuple(asked))}
        if mark is not None:
            invalid |= {i for i in asked if i > mark}
        return invalid, mark
