"""Rows into the store, inside the caller's transaction: the recorder's writes and
`adsbwatch store restore` both come here.

A state (visit, session, minute) already stored is replaced only by one as new or newer:
rows saved to a file while the database was down, restored after the run wrote later
states of the same visits, must not take them back. Points and events replace the same
row written again (a replay run twice), so writing twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterable

from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    MINUTE_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    VISIT_INFO_COLUMNS,
)
from adsbwatch.receiver.store.sql.database import Connection

_ID_CHUNK = 500  # ids per `IN (...)` query, well below SQLite's bound-parameter limit


def _upsert(table: str, columns: tuple[str, ...], key: str, newer: str,
            kept: tuple[str, ...] = (), first: tuple[str, ...] = ()) -> str:
    """`kept`: columns a newer state without a value leaves as they are; `first`: columns
    whose stored value stays (NULL: the new one)."""
    keys = key.split(", ")

    def update(c: str) -> str:
        if c in kept:
            return f"{c} = coalesce(excluded.{c}, {table}.{c})"
        if c in first:
            return f"{c} = coalesce({table}.{c}, excluded.{c})"
        return f"{c} = excluded.{c}"

    updates = ", ".join(update(c) for c in columns if c not in keys)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT({key}) DO UPDATE SET {updates} WHERE {newer}")


_VISITS = _upsert("visits", VISIT_COLUMNS, "id",
                  "excluded.last_seen > visits.last_seen OR (excluded.last_seen = "
                  "visits.last_seen AND excluded.messages >= visits.messages)",
                  # saved rows from before the aircraft database do not forget it
                  kept=VISIT_INFO_COLUMNS,
                  # the site that opened a visit stays, whichever site saves it later
                  first=("first_site",))
_SESSIONS = _upsert("sessions", SESSION_COLUMNS, "id",
                    "excluded.last_seen >= sessions.last_seen")
_MINUTES = _upsert("minutes", MINUTE_COLUMNS, "minute, run_start",
                   "excluded.last_t > minutes.last_t OR (excluded.last_t = minutes.last_t "
                   "AND excluded.frames >= minutes.frames)")
# A point or event written again (its unique key's columns the same) replaces itself.
_POINTS = _upsert("track_points", POINT_COLUMNS, "visit_id, t, lat, lon", "true")
_EVENTS = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) ON CONFLICT DO NOTHING")


def write_rows(conn: Connection, batch: RowBatch) -> RowBatch:
    """Write the batch: visits first, then the points and events whose visit is stored.
    Returns the points and events left out (their visit is nowhere yet)."""
    conn.executemany(_VISITS, batch.visits.values())
    conn.executemany(_SESSIONS, batch.sessions.values())
    conn.executemany(_MINUTES, batch.minutes.values())
    ready = _stored_visits(conn, {row[0] for row in (*batch.points, *batch.events)})
    conn.executemany(_POINTS, (row for row in batch.points if row[0] in ready))
    conn.executemany(_EVENTS, (row for row in batch.events if row[0] in ready))
    return RowBatch(points=_not_in(batch.points, ready), events=_not_in(batch.events, ready))


def _not_in(rows: Iterable[tuple], ready: set[int]) -> list[tuple]:
    return [row for row in rows if row[0] not in ready]


def _stored_visits(conn: Connection, ids: set[int]) -> set[int]:
    found: set[int] = set()
    wanted = sorted(ids)
    for i in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[i:i + _ID_CHUNK]
        rows = conn.execute(
            f"SELECT id FROM visits WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        found.update(row[0] for row in rows)
    return found
