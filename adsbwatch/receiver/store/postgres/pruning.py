"""The PostgreSQL store as the pruning loop's target (store/pruning.py).

The rows go by sql/pruning.py's SQL. The check that their visit is still unwatched
takes a share lock on the visits' rows, so that a station's upsert cannot watch a visit
between the check and the delete (it waits for the short transaction instead).

Space: deleted rows stay in the tables' files until a VACUUM marks their space free
for the rows to come; it also hands back to the disk the empty pages at a table's end.
Plain VACUUM (never VACUUM FULL, which locks the table out for its whole length and
needs a copy's space) takes no lock a station's writes wait for."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.postgres.connection import PgStore
from adsbwatch.receiver.store.postgres.failures import why
from adsbwatch.receiver.store.sql.pruning import SqlPruneRows

PATIENCE_S = 600.0  # how long one transaction waits for another's row locks
TABLES = ("track_points", "events")  # the tables pruning removes rows from


class PgPruneTarget(SqlPruneRows):
    share_lock = " FOR SHARE"
    store: PgStore

    def __init__(self, url: str, patience_s: float = PATIENCE_S) -> None:
        super().__init__(PgStore(url, existing=True))
        try:
            self.store.conn.execute(f"SET lock_timeout = {int(patience_s * 1000)}")
        except psycopg.Error as exc:
            self.store.close()
            raise self._failed("set how long to wait for locks", exc) from None

    def used_bytes(self) -> None:
        """Cannot tell cheaply: the tables' files also hold the space VACUUM has freed."""
        return None

    def give_back(self, stopping: Callable[[], bool]) -> tuple[int | None, float]:
        """VACUUM each table (outside a transaction: the connection autocommits); how
        much smaller their files are, and 0 s of the write lock held."""
        before = self._file_bytes()
        for table in TABLES:
            if stopping():
                break
            try:
                self.store.conn.execute(f"VACUUM (ANALYZE) {table}")
            except psycopg.Error as exc:
                raise self._failed(f"vacuum {table}", exc) from None
        return max(before - self._file_bytes(), 0), 0.0

    def _file_bytes(self) -> int:
        """The tables' files with their indexes."""
        sizes = " + ".join(f"pg_total_relation_size('{table}')" for table in TABLES)
        return int(self.store.read("measure the tables", f"SELECT {sizes}")[0][0])

    def _failed(self, doing: str, exc: psycopg.Error) -> StoreError:
        return StoreError(f"cannot {doing} in {self.location}: {why(exc, self.store.url)}")
