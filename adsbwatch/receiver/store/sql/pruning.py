"""The rows the pruning loop (store/pruning.py) reads and removes, the same SQL on both
backends. A backend's target adds what is its own: how much space the rows take and how
it goes back to the disk."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from adsbwatch.receiver.store.protocols import Closing, Removal
from adsbwatch.receiver.store.sql.database import Connection, Database

_OLD_VISITS = ("SELECT id FROM visits WHERE watched = 0 AND first_seen < ? AND id > ? "
               "{since}ORDER BY id LIMIT ?")
_OLD_POINTS = ("SELECT t, lat, lon FROM track_points WHERE visit_id = ? AND t < ? "
               "ORDER BY t, lat, lon")
_UNWATCHED = "SELECT id FROM visits WHERE watched = 0 AND id IN ({ids}){lock}"
_DELETE_POINT = "DELETE FROM track_points WHERE visit_id = ? AND t = ? AND lat = ? AND lon = ?"
_DELETE_EVENTS = "DELETE FROM events WHERE visit_id = ? AND t < ?"


def _deleted(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """The rows all of `rows`' statements deleted (executemany's rowcount is their sum)."""
    return conn.executemany(sql, rows).rowcount if rows else 0


class SqlPruneRows(Closing):
    """The part of a PruneTarget both backends share. `share_lock` is what the check of
    the visits' `watched` takes (PostgreSQL: their rows, against a concurrent upsert);
    SQLite's write transaction already excludes every other writer."""

    share_lock = ""

    def __init__(self, store: Database) -> None:
        self.store = store
        self.location = store.location

    def old_visits(self, before: float, since: float | None, after: int,
                   limit: int) -> list[int]:
        sql = _OLD_VISITS.format(since="" if since is None else "AND last_seen >= ? ")
        params = (before, after, limit) if since is None else (before, after, since, limit)
        return [row[0] for row in self.store.read("read the visits to prune", sql, params)]

    def old_points(self, visit_id: int, before: float) -> list[tuple[float, float, float]]:
        return self.store.read("read the points to prune", _OLD_POINTS, (visit_id, before))

    def remove(self, removal: Removal) -> tuple[int, int, float]:
        visits = sorted({p[0] for p in removal.points} | set(removal.event_visits))
        if not visits:
            return 0, 0, 0.0
        check = _UNWATCHED.format(ids=", ".join("?" * len(visits)), lock=self.share_lock)
        with self.store.transaction("prune old points") as conn:
            held_from = time.monotonic()
            # Read in the transaction: a visit watched since it was chosen keeps everything.
            unwatched = {row[0] for row in conn.execute(check, visits)}
            points = _deleted(conn, _DELETE_POINT,
                              [p for p in removal.points if p[0] in unwatched])
            events = _deleted(conn, _DELETE_EVENTS, [(v, removal.events_before)
                                                     for v in removal.event_visits
                                                     if v in unwatched])
        return points, events, time.monotonic() - held_from

    def close(self) -> None:
        self.store.close()
