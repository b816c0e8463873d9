"""`adsbwatch store restore`: saved rows into the SQLite store."""

from __future__ import annotations

from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.sqlite.connection import Store
from adsbwatch.receiver.store.sqlite.writing import write_rows


def restore_into(store: Store, batch: RowBatch) -> int:
    """Write the rows in one transaction; how many points and events were left out
    because their visit is in neither the batch nor the store. Rows already there are
    written again with the same values (restoring twice changes nothing), and a state
    never replaces a newer one (see writing.py)."""
    with store.transaction("restore rows") as conn:
        return write_rows(conn, batch).rows
