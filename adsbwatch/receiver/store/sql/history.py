"""History over a store opened read-only: the commands' reads here, the web
map's in map_queries.py, the report's in report_queries.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adsbwatch.receiver.store.protocols import Closing
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    EventRow,
    MinuteRow,
    ReceiverPosition,
    SessionRow,
    SitePart,
    TrackRow,
    VisitRow,
    VisitSummary,
    session_from,
    track_from,
    visit_from,
)
from adsbwatch.receiver.store.sql import map_queries, report_queries
from adsbwatch.receiver.store.sql.database import Database

# The visits a site heard: those it has a part of (it opened them or joined them).
_HEARD_BY = ("EXISTS (SELECT 1 FROM site_visits s WHERE s.visit_id = visits.id "
             "AND s.site = ?)")


class SqlHistory(Closing):
    def __init__(self, store: Database) -> None:
        self.store = store
        self.location = store.location

    def sightings(self, icao: int | None = None, since: float | None = None,
                  site: str | None = None, watched: bool = False) -> list[VisitRow]:
        where: list[str] = ["watched = 1"] if watched else []
        params: list[Any] = []
        if icao is not None:
            where.append("icao = ?")
            params.append(icao)
        if since is not None:
            where.append("last_seen >= ?")  # still in the air at `since` counts too
            params.append(since)
        if site is not None:
            where.append(_HEARD_BY)
            params.append(site)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self.store.read("read sightings",
                               f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits "
                               f"{clause}ORDER BY first_seen DESC, id", params)
        return [visit_from(row) for row in rows]

    def track(self, icao: int, since: float | None = None,
              site: str | None = None) -> list[TrackRow]:
        columns = ", ".join(f"p.{c}" for c in POINT_COLUMNS)
        sql = (f"SELECT {columns} FROM track_points p JOIN visits v ON v.id = p.visit_id "
               "WHERE v.icao = ?")
        params: list[Any] = [icao]
        if since is not None:
            sql += " AND p.t >= ?"
            params.append(since)
        if site is not None:
            sql += " AND p.site = ?"
            params.append(site)
        rows = self.store.read("read a track", sql + " ORDER BY p.t, p.rowid", params)
        return [track_from(row) for row in rows]

    def events(self, visit_id: int) -> list[EventRow]:
        rows = self.store.read("read events",
                               f"SELECT {', '.join(EVENT_COLUMNS)} FROM events "
                               "WHERE visit_id = ? ORDER BY t, rowid", (visit_id,))
        return [EventRow(*row) for row in rows]

    def sessions(self) -> list[SessionRow]:
        rows = self.store.read("read the sessions",
                               f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions "
                               "ORDER BY started")
        return [session_from(row) for row in rows]

    # ---------------------------------------------------------------- the web map's

    def visit_summaries(self, since: float | None = None,
                        limit: int = 100) -> list[VisitSummary]:
        return map_queries.visit_summaries(self.store, since, limit)

    def visit(self, visit_id: int) -> VisitRow | None:
        return map_queries.visit_of(self.store, visit_id)

    def latest_visits(self, icao: int, count: int) -> list[VisitRow]:
        return map_queries.latest_visits(self.store, icao, count)

    def visit_points_page(self, visit_id: int, start: int, count: int) -> list[TrackRow]:
        return map_queries.visit_points_page(self.store, visit_id, start, count)

    def watched_labels(self) -> dict[int, str]:
        return map_queries.watched_labels(self.store)

    # ---------------------------------------------------------------- the report's

    def rows_to_read(self, since: float | None) -> int:
        return report_queries.rows_to_read(self.store, since)

    def period_bounds(self, since: float | None) -> tuple[float, float] | None:
        return report_queries.period_bounds(self.store, since)

    def track_point_chunks(self, since: float | None,
                           ) -> Iterator[list[tuple[float, float, int | None, str | None]]]:
        return report_queries.track_point_chunks(self.store, since)

    def minute_chunks(self, since: float | None) -> Iterator[list[MinuteRow]]:
        return report_queries.minute_chunks(self.store, since)

    def watched_visits(self, since: float | None) -> list[VisitRow]:
        return report_queries.watched_visits(self.store, since)

    def visit_altitudes(self, visit_id: int) -> list[tuple[float, int]]:
        return report_queries.visit_altitudes(self.store, visit_id)

    def receiver_positions(self, since: float | None) -> list[ReceiverPosition]:
        return report_queries.receiver_positions(self.store, since)

    def watched_visit_sites(self, since: float | None) -> list[SitePart]:
        return report_queries.watched_visit_sites(self.store, since)

    def close(self) -> None:
        self.store.close()
