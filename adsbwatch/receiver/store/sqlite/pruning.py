"""The SQLite store as the pruning loop's target (store/pruning.py).

Space: a deleted row's pages go to the file's free list, reused by the rows written
next, so a pruned store stops growing. A store created with `auto_vacuum = INCREMENTAL`
(every store this adsbwatch creates) also hands them back to the disk, a few MB per
transaction (`PRAGMA incremental_vacuum`), so that the station never waits long. VACUUM
is never run: it holds the write lock for its whole length (minutes on a file of a few
GB) and needs free space as large as the file, which a full SD card does not have.

The rows are read and removed by sql/pruning.py's SQL, the same as PostgreSQL's."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Removal
from adsbwatch.receiver.store.sql.pruning import SqlPruneRows
from adsbwatch.receiver.store.sqlite.connection import Store
from adsbwatch.receiver.store.sqlite.failures import why
from adsbwatch.receiver.store.sqlite.schema import rollback

PATIENCE_S = 600.0  # how long one transaction waits for another program's lock
VACUUM_STEP_PAGES = 1024  # pages handed back per transaction (4 MB of 4 KiB pages)
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL


class SqlitePruneTarget(SqlPruneRows):
    store: Store

    def __init__(self, path: Path, patience_s: float = PATIENCE_S) -> None:
        super().__init__(Store(path, busy_timeout_ms=int(patience_s * 1000)))

    def remove(self, removal: Removal) -> tuple[int, int, float]:
        done = super().remove(removal)
        self._checkpoint()
        return done

    def _checkpoint(self) -> None:
        """Copy the WAL into the database now, without the write lock: else the
        station's next commit finds the WAL past 1000 pages and copies our pages itself."""
        with contextlib.suppress(sqlite3.OperationalError):  # busy: a later one does it
            self.store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def used_bytes(self) -> int:
        pages, free, size = (self._pragma(name) for name in
                             ("page_count", "freelist_count", "page_size"))
        return (pages - free) * size

    def give_back(self, stopping: Callable[[], bool]) -> tuple[int | None, float]:
        if self._pragma("auto_vacuum") != INCREMENTAL:
            return None, 0.0  # the free pages stay in the file, for the rows to come
        before = self._pragma("page_count")
        longest = 0.0
        while self._pragma("freelist_count") and not stopping():
            held_s = self._vacuum_step()
            longest = max(longest, held_s)
            time.sleep(max(0.02, held_s))  # the station's writer takes its turn
        return (before - self._pragma("page_count")) * self._pragma("page_size"), longest

    def _vacuum_step(self) -> float:
        """One transaction of incremental vacuum; how long it held the lock."""
        conn = self.store.conn
        # As a script: execute() would step the PRAGMA once, which frees one page. A try
        # that finds the lock taken fails at once (busy_timeout 0), so the one that works
        # takes as long as it held the lock.
        script = f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({VACUUM_STEP_PAGES}); COMMIT;"

        def step() -> float:
            started = time.monotonic()
            conn.executescript(script)
            return time.monotonic() - started

        try:
            held_s = self.store.waiting(step)
        except sqlite3.DatabaseError as exc:
            rollback(conn)
            raise StoreError(f"cannot hand free space back to the disk in "
                             f"{self.location}: {why(exc)}") from None
        self._checkpoint()
        return held_s

    def _pragma(self, name: str) -> int:
        try:
            return self.store.waiting(
                lambda: self.store.conn.execute(f"PRAGMA {name}").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read {self.location}: {why(exc)}") from None

