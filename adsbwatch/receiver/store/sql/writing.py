"""Rows into the store, inside the caller's transaction: the recorder's writes and
`adsbwatch store restore` both come here. A station's visit is written as its site's
part of the visit it joins (joining.py, parts.py), its points and events under that
visit; a position or a change another site stored within 2 s is the same transmission
heard twice, and is stored once.

A state (visit, session, minute) already stored is replaced only by one as new or newer:
rows saved to a file while the database was down, restored after the run wrote later
states of the same visits, must not take them back. Points and events replace the same
row written again (a replay run twice), so writing twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from adsbwatch.receiver.defaults import VISIT_GAP_S
from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.protocols import CrossSite
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    MINUTE_COLUMNS,
    PART_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    VISIT_INFO_COLUMNS,
)
from adsbwatch.receiver.store.sql.announcing import answers_for
from adsbwatch.receiver.store.sql.database import Connection
from adsbwatch.receiver.store.sql.joining import join_parts
from adsbwatch.receiver.store.sql.parts import (
    PartKey,
    merged_visit,
    part_key,
    part_values,
    row_key,
)

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
_MINUTES = _upsert("minutes", MINUTE_COLUMNS, "minute, run_start, site",
                   "excluded.last_t > minutes.last_t OR (excluded.last_t = minutes.last_t "
                   "AND excluded.frames >= minutes.frames)")
# A point or event written again (its unique key's columns the same) replaces itself.
_POINTS = _upsert("track_points", POINT_COLUMNS, "visit_id, t, lat, lon", "true")
_EVENTS = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) ON CONFLICT DO NOTHING")
_PARTS = _upsert("site_visits", PART_COLUMNS, "id, site",
                 "excluded.last_seen > site_visits.last_seen OR (excluded.last_seen = "
                 "site_visits.last_seen AND excluded.messages >= site_visits.messages)",
                 kept=VISIT_INFO_COLUMNS)


def _once(insert: str, columns: tuple[str, ...], same: str) -> str:
    """`insert` (INSERT ... VALUES (...) ...) made to skip a row that another site stored
    within SAME_TRANSMISSION_S: `same` the columns that must be equal, after the row's
    values come the visit id, those columns' values, the window and the site."""
    values = f"VALUES ({', '.join('?' * len(columns))})"
    equal = " AND ".join(f"o.{c} = ?" for c in same.split(", "))
    table = insert.split()[2]
    return insert.replace(values, (
        f"SELECT {', '.join('?' * len(columns))} WHERE NOT EXISTS (SELECT 1 FROM {table} o "
        f"WHERE o.visit_id = ? AND {equal} AND o.t BETWEEN ? AND ? "
        "AND coalesce(o.site, '') <> ?)"))


SAME_TRANSMISSION_S = 2.0  # one position heard by two sites: their clocks differ this little
_POINTS_ONCE = _once(_POINTS, POINT_COLUMNS, "lat, lon")
_EVENTS_ONCE = _once(_EVENTS, EVENT_COLUMNS, "kind, value")


@dataclass
class Written:
    left: RowBatch  # points and events whose visit is nowhere yet
    answers: dict[PartKey, CrossSite] = field(default_factory=dict)


def write_rows(conn: Connection, batch: RowBatch, *, gap_s: float = VISIT_GAP_S,
               lock_visits: bool = False) -> Written:
    """Write the batch: the station's visits as parts of the visits they join (see
    joining.py) and those visits as the sum of their parts, then the points and events
    whose visit is stored, each under the joined visit. `lock_visits`: lock the visit
    rows before reading their parts (PostgreSQL; SQLite's writes are serial anyway)."""
    mine = list(batch.visits.values())
    keys = {part_key(v) for v in mine} | {row_key(r) for r in (*batch.points, *batch.events)}
    joined = _joined_visits(conn, keys)
    joined.update(join_parts(conn, [v for v in mine if part_key(v) not in joined], gap_s))
    _by_id_alone(joined, keys)
    conn.executemany(_PARTS, (part_values(v, joined[part_key(v)]) for v in mine))
    answers = _merge(conn, {part_key(v): joined[part_key(v)] for v in mine}, lock_visits)
    conn.executemany(_SESSIONS, batch.sessions.values())
    conn.executemany(_MINUTES, batch.minutes.values())
    points = _under_joined(batch.points, joined)
    events = _under_joined(batch.events, joined)
    # Only a visit that several sites heard can hold another site's copy of a row: the
    # others (nearly all) skip the check. Read after _merge's locks, so a site joining
    # at this moment is either seen here or sees these rows.
    shared = _heard_by_several(conn, {row[0] for row in (*points, *events)})
    conn.executemany(_POINTS, (row for row in points if row[0] not in shared))
    conn.executemany(_EVENTS, (row for row in events if row[0] not in shared))
    conn.executemany(_POINTS_ONCE, (_with_window(row, 2, 4) for row in points
                                    if row[0] in shared))
    conn.executemany(_EVENTS_ONCE, (_with_window(row, 2, 4) for row in events
                                    if row[0] in shared))
    return Written(RowBatch(points=_left(batch.points, joined),
                            events=_left(batch.events, joined)), answers)


def _heard_by_several(conn: Connection, visit_ids: set[int]) -> set[int]:
    return {row[0] for row in _chunked(
        conn, "SELECT visit_id FROM site_visits WHERE visit_id IN ({}) "
        "GROUP BY visit_id HAVING count(DISTINCT site) > 1", sorted(visit_ids))}


def _with_window(row: tuple, first: int, last: int) -> tuple:
    """The row's values, then what _once's check reads: the visit, the columns
    row[first:last], the window around its time and its site."""
    t = row[1]
    return (*row, row[0], *row[first:last], t - SAME_TRANSMISSION_S,
            t + SAME_TRANSMISSION_S, row[-1] or "")


def _merge(conn: Connection, mine: dict[PartKey, int], lock_visits: bool
           ) -> dict[PartKey, CrossSite]:
    """Each visit these parts joined, as the sum of all its parts; the answers of the
    watched ones among `mine`."""
    ids = sorted(set(mine.values()))
    if not ids:
        return {}
    if lock_visits:  # in id order: two stations' locks never wait on each other in a ring
        _chunked(conn, "SELECT id FROM visits WHERE id IN ({}) ORDER BY id FOR UPDATE", ids)
    parts: dict[int, list[tuple]] = {}
    for row in _chunked(conn, f"SELECT {', '.join(PART_COLUMNS)} FROM site_visits "
                        "WHERE visit_id IN ({})", ids):
        parts.setdefault(row[2], []).append(tuple(row))
    mine_by_visit: dict[int, list[PartKey]] = {}
    for key, visit_id in mine.items():
        mine_by_visit.setdefault(visit_id, []).append(key)
    # a saver's site names the visit's first site when it has none yet
    conn.executemany(_VISITS, (merged_visit(i, parts[i], mine_by_visit[i][0][1] or None)
                               for i in ids))
    answers: dict[PartKey, CrossSite] = {}
    for i in ids:
        answers.update(answers_for(mine_by_visit[i], parts[i]))
    return answers


def _under_joined(rows: list[tuple], joined: dict[PartKey, int]) -> list[tuple]:
    """Points or events whose part is stored, under the visit it joined."""
    return [(joined[row_key(r)], *r[1:]) for r in rows if row_key(r) in joined]


def _left(rows: list[tuple], joined: dict[PartKey, int]) -> list[tuple]:
    return [r for r in rows if row_key(r) not in joined]


def _joined_visits(conn: Connection, keys: set[PartKey]) -> dict[PartKey, int]:
    """The visit each stored part of these ids joined, by (id, site)."""
    found: dict[PartKey, int] = {}
    for part_id, site, visit_id in _chunked(
            conn, "SELECT id, site, visit_id FROM site_visits WHERE id IN ({})",
            sorted({key[0] for key in keys})):
        found[(part_id, site)] = visit_id
    return found


def _by_id_alone(joined: dict[PartKey, int], keys: set[PartKey]) -> None:
    """A point or event whose site stored no part of its id (a restored file of rows from
    before sites, or a visit saved under another site's name) goes with the part of its
    id that is stored."""
    any_site = {part_id: visit_id for (part_id, _), visit_id in joined.items()}
    for key in keys:
        if key not in joined and key[0] in any_site:
            joined[key] = any_site[key[0]]


def _chunked(conn: Connection, sql: str, ids: list[int]) -> list[tuple]:
    """`sql`'s rows for all `ids`, its `{}` a list of parameters, _ID_CHUNK at a time."""
    rows: list[tuple] = []
    for i in range(0, len(ids), _ID_CHUNK):
        chunk = ids[i:i + _ID_CHUNK]
        rows.extend(conn.execute(sql.format(", ".join("?" * len(chunk))), chunk))
    return rows
