"""The SQLite store as the pruning loop's target (store/pruning.py).

Space: a deleted row's pages go to the file's free list, reused by the rows written
next, so a pruned store stops growing. A store created with `auto_vacuum = INCREMENTAL`
(every store this adsbwatch creates) also hands them back to the disk, a few MB per
transaction (`PRAGMA incremental_vacuum`), so that the station never waits long. VACUUM
is never run: it holds the write lock for its whole length (minutes on a file of a few
GB) and needs free space as large as the file, which a full SD card does not have.

The SQL is standard but for the PRAGMAs (PostgreSQL: the same statements with %s)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Removal
from adsbwatch.receiver.store.sqlite.connection import Store
from adsbwatch.receiver.store.sqlite.failures import why
from adsbwatch.receiver.store.sqlite.schema import rollback

PATIENCE_S = 600.0  # how long one transaction waits for another program's lock
VACUUM_STEP_PAGES = 1024  # pages handed back per transaction (4 MB of 4 KiB pages)
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL

_OLD_VISITS = ("SELECT id FROM visits WHERE watched = 0 AND first_seen < ? AND id > ? "
               "{since}ORDER BY id LIMIT ?")
_OLD_POINTS = ("SELECT t, lat, lon FROM track_points WHERE visit_id = ? AND t < ? "
               "ORDER BY t, lat, lon")
_UNWATCHED = "SELECT id FROM visits WHERE watched = 0 AND id IN ({ids})"
_DELETE_POINT = "DELETE FROM track_points WHERE visit_id = ? AND t = ? AND lat = ? AND lon = ?"
_DELETE_EVENTS = "DELETE FROM events WHERE visit_id = ? AND t < ?"


class SqlitePruneTarget:
    def __init__(self, path: Path, patience_s: float = PATIENCE_S) -> None:
        self.store = Store(path, busy_timeout_ms=int(patience_s * 1000))
        self.location = str(path)

    def old_visits(self, before: float, since: float | None, after: int,
                   limit: int) -> list[int]:
        sql = _OLD_VISITS.format(since="" if since is None else "AND last_seen >= ? ")
        params = (before, after, limit) if since is None else (before, after, since, limit)
        return [row[0] for row in self.store.read("read the visits to prune", sql, params)]

    def old_points(self, visit_id: int, before: float) -> list[tuple[float, float, float]]:
        return self.store.read("read the points to prune", _OLD_POINTS, (visit_id, before))

    def remove(self, removal: Removal) -> tuple[int, int, float]:
        visits = sorted({p[0] for p in removal.points} | set(removal.event_visits))
        with self.store.transaction("prune old points") as conn:
            held_from = time.monotonic()
            # Read under the lock: a visit watched since it was chosen keeps everything.
            unwatched = {row[0] for row in conn.execute(
                _UNWATCHED.format(ids=", ".join("?" * len(visits))), visits)}
            points = [p for p in removal.points if p[0] in unwatched]
            changes = conn.total_changes
            conn.executemany(_DELETE_POINT, points)
            removed_points = conn.total_changes - changes
            conn.executemany(_DELETE_EVENTS, [(v, removal.events_before)
                                              for v in removal.event_visits if v in unwatched])
            removed_events = conn.total_changes - changes - removed_points
        return removed_points, removed_events, time.monotonic() - held_from

    def used_bytes(self) -> int:
        pages, free, size = (self._pragma(name) for name in
                             ("page_count", "freelist_count", "page_size"))
        return (pages - free) * size

    def give_back(self, stopping: Callable[[], bool]) -> int | None:
        if self._pragma("auto_vacuum") != INCREMENTAL:
            return None  # the free pages stay in the file, for the rows to come
        before = self._pragma("page_count")
        while self._pragma("freelist_count") and not stopping():
            self._vacuum_step()
            time.sleep(0.02)  # the station's writer takes its turn
        return (before - self._pragma("page_count")) * self._pragma("page_size")

    def _vacuum_step(self) -> None:
        # As a script: execute() would step the PRAGMA once, which frees one page.
        conn = self.store.conn
        script = f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({VACUUM_STEP_PAGES}); COMMIT;"
        try:
            self.store.waiting(lambda: conn.executescript(script))
        except sqlite3.DatabaseError as exc:
            rollback(conn)
            raise StoreError(f"cannot hand free space back to the disk in "
                             f"{self.location}: {why(exc)}") from None

    def _pragma(self, name: str) -> int:
        try:
            return self.store.waiting(
                lambda: self.store.conn.execute(f"PRAGMA {name}").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read {self.location}: {why(exc)}") from None

    def close(self) -> None:
        self.store.close()
