"""The SQL behind the web map's history view: watched visits, their tracks, and the
labels of what is watched. Each function takes a Database (opened read-only by the caller)
and returns rows of rows.py; times are UNIX seconds (UTC)."""

from __future__ import annotations

from adsbwatch.receiver.store.rows import (
    POINT_COLUMNS,
    VISIT_COLUMNS,
    TrackRow,
    VisitRow,
    VisitSummary,
    track_from,
    visit_from,
)
from adsbwatch.receiver.store.sql.database import Database

_EPOCH = -1e300  # before every time: `since` None
_VISIT_SELECT = ", ".join(f"v.{c}" for c in VISIT_COLUMNS)
_POINT_SELECT = ", ".join(f"p.{c}" for c in POINT_COLUMNS)


def visit_summaries(store: Database, since: float | None, limit: int) -> list[VisitSummary]:
    """Visits of watched aircraft still under way at or after `since`, newest first."""
    rows = store.read(
        "read the watched visits",
        f"SELECT {_VISIT_SELECT}, (SELECT count(*) FROM track_points p "
        "WHERE p.visit_id = v.id) FROM visits v WHERE v.watched = 1 AND v.last_seen >= ? "
        "ORDER BY v.first_seen DESC, v.id LIMIT ?",
        (_EPOCH if since is None else since, limit))
    return [VisitSummary(visit_from(row[:-1]), row[-1]) for row in rows]


def visit_of(store: Database, visit_id: int) -> VisitRow | None:
    rows = store.read("read a visit",
                      f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits WHERE id = ?",
                      (visit_id,))
    return visit_from(rows[0]) if rows else None


def latest_visits(store: Database, icao: int, count: int) -> list[VisitRow]:
    """The `count` most recent visits of `icao`, newest first."""
    rows = store.read("read the latest visits",
                      f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits WHERE icao = ? "
                      "ORDER BY first_seen DESC, id LIMIT ?", (icao, count))
    return [visit_from(row) for row in rows]


def visit_points_page(store: Database, visit_id: int, start: int, count: int) -> list[TrackRow]:
    """Up to `count` points of a visit from its `start`-th on, in time order (points of
    one time by position: the unique index's order, so no sort and no ties)."""
    rows = store.read("read a track",
                      f"SELECT {_POINT_SELECT} FROM track_points p WHERE p.visit_id = ? "
                      "ORDER BY p.t, p.lat, p.lon LIMIT ? OFFSET ?", (visit_id, count, start))
    return [track_from(row) for row in rows]


def watched_labels(store: Database) -> dict[int, str]:
    """Address → label of every aircraft a run recorded as watched (its latest visit's
    label): watchlists given to a run with --watchlist are not in the store's
    watchlist table, but their visits are."""
    rows = store.read("read the watched labels",
                      "SELECT icao, label FROM visits v WHERE watched = 1 AND first_seen = "
                      "(SELECT max(first_seen) FROM visits w WHERE w.icao = v.icao "
                      "AND w.watched = 1)", ())
    return {icao: label or "" for icao, label in rows}
