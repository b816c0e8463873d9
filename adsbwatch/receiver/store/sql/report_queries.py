"""The SQL behind `adsbwatch report`: what its plots read from the store.

The big tables (track points, minutes) are read in chunks of rows, one query each, keyed
on the rowid (SQLite's own; a column of PostgreSQL's tables): memory stays bounded on a
store of years and a progress bar can follow.
Times are UNIX seconds (UTC); `since` None means everything stored."""

from __future__ import annotations

from collections.abc import Iterator

from adsbwatch.receiver.store.rows import (
    MINUTE_COLUMNS,
    VISIT_COLUMNS,
    MinuteRow,
    ReceiverPosition,
    SitePart,
    VisitRow,
    minute_from,
    visit_from,
)
from adsbwatch.receiver.store.sql.database import Database

CHUNK_ROWS = 50_000
_EPOCH = -1e300  # before every time: `since` None
# A minute row heard something at or after `since` (the first test can use the index).
_IN_PERIOD = "minute > ? AND last_t >= ?"
# The later of a column's value and `?`, NULL (nothing heard) kept: CASE, as SQLite's max(x,
# y) and PostgreSQL's greatest() differ on NULL and neither database has the other's.
_NOT_BEFORE = "CASE WHEN {0} < ? THEN ? ELSE {0} END"


def _since(since: float | None) -> float:
    return _EPOCH if since is None else since


def rows_to_read(store: Database, since: float | None) -> int:
    """Track points and minute rows in the period: the progress bar's total."""
    t = _since(since)
    (points,), = store.read("count the track points",
                            "SELECT count(*) FROM track_points WHERE t >= ?", (t,))
    (minutes,), = store.read("count the minutes",
                             f"SELECT count(*) FROM minutes WHERE {_IN_PERIOD}", (t - 60, t))
    return points + minutes


def period_bounds(store: Database, since: float | None) -> tuple[float, float] | None:
    """The first and last time anything was heard in the period; None if nothing was."""
    t = _since(since)
    rows = store.read(
        "read the period",
        "SELECT min(a), max(b) FROM ("
        f" SELECT {_NOT_BEFORE.format('min(first_t)')} AS a, max(last_t) AS b FROM minutes"
        f"  WHERE {_IN_PERIOD}"
        f" UNION ALL SELECT {_NOT_BEFORE.format('min(first_seen)')}, max(last_seen)"
        "  FROM visits WHERE last_seen >= ?) AS period",
        (t, t, t - 60, t, t, t, t))
    first, last = rows[0]
    return None if first is None else (first, last)


def track_point_chunks(store: Database, since: float | None, chunk: int = CHUNK_ROWS,
                       ) -> Iterator[list[tuple[float, float, int | None, str | None]]]:
    """(lat, lon, alt, site) of every track point (any visit, watched or not) in the
    period."""
    t, after = _since(since), -1
    while True:
        rows = store.read("read track points",
                          "SELECT rowid, lat, lon, alt, site FROM track_points "
                          "WHERE rowid > ? AND t >= ? ORDER BY rowid LIMIT ?",
                          (after, t, chunk))
        if not rows:
            return
        after = rows[-1][0]
        yield [row[1:] for row in rows]


def minute_chunks(store: Database, since: float | None, chunk: int = CHUNK_ROWS,
                  ) -> Iterator[list[MinuteRow]]:
    """The minute rows (of every run) that overlap the period."""
    t, after = _since(since), -1
    columns = ", ".join(MINUTE_COLUMNS)
    while True:
        rows = store.read("read the minutes",
                          f"SELECT rowid, {columns} FROM minutes "
                          f"WHERE rowid > ? AND {_IN_PERIOD} ORDER BY rowid LIMIT ?",
                          (after, t - 60, t, chunk))
        if not rows:
            return
        after = rows[-1][0]
        yield [minute_from(row[1:]) for row in rows]


def watched_visits(store: Database, since: float | None) -> list[VisitRow]:
    """Visits of watched aircraft still going on at or after `since`, oldest first."""
    rows = store.read("read the watched visits",
                      f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits "
                      "WHERE watched = 1 AND last_seen >= ? ORDER BY first_seen, id",
                      (_since(since),))
    return [visit_from(row) for row in rows]


def visit_altitudes(store: Database, visit_id: int) -> list[tuple[float, int]]:
    """(time, altitude in feet) of a visit's track points that have an altitude."""
    return store.read("read a visit's altitudes",
                      "SELECT t, alt FROM track_points WHERE visit_id = ? AND alt IS NOT NULL "
                      "ORDER BY t", (visit_id,))


def receiver_positions(store: Database, since: float | None) -> list[ReceiverPosition]:
    """Where the receiver was, newest run first: the runs whose minutes fall in the
    period; when none of those knew its position, every run that did."""
    t = _since(since)
    base = ("SELECT lat, lon, started, source, site FROM sessions WHERE lat IS NOT NULL "
            "AND lon IS NOT NULL")
    rows = store.read("read the receiver's position",
                      f"{base} AND id IN (SELECT session_id FROM minutes WHERE {_IN_PERIOD}) "
                      "ORDER BY started DESC", (t - 60, t))
    if not rows:
        rows = store.read("read the receiver's position", f"{base} ORDER BY started DESC")
    return [ReceiverPosition(*row) for row in rows]


def watched_visit_sites(store: Database, since: float | None) -> list[SitePart]:
    """The sites' parts of the watched visits still under way at or after `since`."""
    rows = store.read("read which sites heard the watched visits",
                      "SELECT s.visit_id, s.site, s.first_seen, s.last_seen, s.messages "
                      "FROM site_visits s JOIN visits v ON v.id = s.visit_id "
                      "WHERE v.watched = 1 AND v.last_seen >= ? "
                      "ORDER BY s.visit_id, s.first_seen, s.site", (_since(since),))
    return [SitePart(visit_id, site or None, first, last, messages)
            for visit_id, site, first, last, messages in rows]
