"""`adsbwatch store restore`: saved rows into the store."""

from __future__ import annotations

from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.sql.database import Database
from adsbwatch.receiver.store.sql.writing import write_rows


def restore_into(store: Database, batch: RowBatch) -> int:
    """Write the rows in one transaction; how many points and events were left out
    because their visit is in neither the batch nor the store. Rows already there are
    written again with the same values (restoring twice changes nothing), and a state
    never replaces a newer one (see writing.py)."""
    with store.transaction("restore rows") as conn:
        return write_rows(conn, batch, lock_visits=store.row_locks).left.rows
