"""Open and aborted Hive transactions, from the metastore thrift API (`get_open_txns_info`).

A reader of a Hive 1/2 ACID table must skip the rows of transactions that are still open or were
aborted (and not yet cleaned by the compactor). Many metastores answer this call with an error: the
transaction tables are only created when ACID is enabled (`hive.txn.manager` DbTxnManager), and
Hive 4 servers may drop old calls. Then the answer is "unknown" (None) with the reason, never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from okdp_migrate.connectors.metastore_thrift import MetastoreThrift
from okdp_migrate.errors import OkdpError

_OPEN, _ABORTED = 3, 2  # hive_metastore TxnState


@dataclass
class TxnState:
    high_water_mark: int
    open: set[int] = field(default_factory=set)
    aborted: set[int] = field(default_factory=set)

    @property
    def invalid(self) -> frozenset[int]:
        return frozenset(self.open | self.aborted)


def transaction_state(uri: str | None, timeout_s: float = 30.0) -> tuple[TxnState | None, str]:
    """(state, "") when the metastore knows its transactions, else (None, why not)."""
    if not uri:
        return None, "no metastore.uri configured"
    try:
        with MetastoreThrift(uri, timeout_s=timeout_s) as ms:
            info = ms.open_txns_info()
    except OkdpError as exc:
        return None, exc.one_line()
    except Exception as exc:  # TApplicationException: the server has no transaction tables or no such call
        return None, f"the metastore did not give its transaction list ({type(exc).__name__}: {exc})"
    state = TxnState(int(info.txn_high_water_mark or 0))
    for t in info.open_txns or []:
        if t.state == _OPEN:
            state.open.add(int(t.id))
        elif t.state == _ABORTED:
            state.aborted.add(int(t.id))
    return state, ""
