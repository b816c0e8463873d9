"""One visit of an aircraft across every site that hears it: the visit a station's new
visit joins.

Each station makes its own visit ids (decoder/messages/visits.py). The first time the
store sees one (a part it holds no row of), it looks for the aircraft's visit that the
part's span reaches within the visit gap: found, the part joins it; none, the part opens
a visit of its own id. At most one visit of an aircraft is open (a partial unique
index), so two stations that open one at the same moment cannot both succeed: the second
insert does nothing (on PostgreSQL it waits for the first's transaction to end) and the
second station joins the first's visit. A visit is closed when a later one of its
aircraft opens past the gap. Parts are taken in address order, so that two stations'
transactions wait for each other's new visits in one order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence

from adsbwatch.receiver.store.rows import VISIT_COLUMNS
from adsbwatch.receiver.store.sql.database import Connection
from adsbwatch.receiver.store.sql.parts import PartKey, part_key

_LATEST_BEFORE = ("SELECT id, last_seen FROM visits WHERE icao = ? AND first_seen <= ? "
                  "ORDER BY first_seen DESC LIMIT 1")
_CLOSE_STALE = ("UPDATE visits SET is_open = 0 "
                "WHERE icao = ? AND is_open = 1 AND last_seen < ?")
_OPEN = (f"INSERT INTO visits ({', '.join(VISIT_COLUMNS)}, is_open) "
         f"VALUES ({', '.join('?' * (len(VISIT_COLUMNS) + 1))}) ON CONFLICT DO NOTHING")


def join_parts(conn: Connection, visits: Sequence[tuple], gap_s: float
               ) -> dict[PartKey, int]:
    """The visit id each of these station visits (rows.py's visit tuples, parts the store
    does not hold yet) joins; a visit row is inserted for each that opens one."""
    ordered = sorted(visits, key=lambda v: (v[1], v[4], v[0]))
    return {part_key(v): _join(conn, v, gap_s) for v in ordered}


def _join(conn: Connection, visit: tuple, gap_s: float) -> int:
    icao, first_seen, last_seen = visit[1], visit[4], visit[5]
    found = _reached(conn, icao, first_seen, last_seen, gap_s)
    if found is not None:
        return found
    conn.execute(_CLOSE_STALE, (icao, first_seen - gap_s))
    if conn.execute(_OPEN, (*visit, 1)).rowcount:
        return visit[0]
    # Another station opened one meanwhile (we waited for it), or a later visit of the
    # aircraft is open (a recording older than what is stored): join the first, the
    # second leaves this one closed.
    found = _reached(conn, icao, first_seen, last_seen, gap_s)
    if found is not None:
        return found
    conn.execute(_OPEN, (*visit, 0))
    return visit[0]  # inserted closed, or its id was stored: it is that visit


def _reached(conn: Connection, icao: int, first_seen: float, last_seen: float,
             gap_s: float) -> int | None:
    """The aircraft's visit within the gap of [first_seen, last_seen]: visits of one
    aircraft do not overlap, so it can only be the latest that began before the end."""
    row = conn.execute(_LATEST_BEFORE, (icao, last_seen + gap_s)).fetchone()
    if row is None or row[1] < first_seen - gap_s:
        return None
    return int(row[0])
