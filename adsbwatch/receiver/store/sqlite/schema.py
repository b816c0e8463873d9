"""The store's tables, the schema version in `PRAGMA user_version`, and the migrations
that take an older database to the current version."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.sql.parts import V8_PARTS_FROM_VISITS


def _schema_v1(conn: sqlite3.Connection) -> None:
    for statement in (
        """CREATE TABLE watchlist (
               lo INTEGER, hi INTEGER, label TEXT NOT NULL DEFAULT '', added REAL,
               PRIMARY KEY (lo, hi))""",
        """CREATE TABLE visits (
               id INTEGER PRIMARY KEY, icao INTEGER NOT NULL, label TEXT,
               watched INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
               callsigns TEXT NOT NULL DEFAULT '', squawks TEXT NOT NULL DEFAULT '',
               min_alt INTEGER, max_alt INTEGER, closest_km REAL,
               messages INTEGER NOT NULL, max_dbfs REAL, emergency TEXT)""",
        "CREATE INDEX visits_icao_first_seen ON visits (icao, first_seen)",
        "CREATE INDEX visits_first_seen ON visits (first_seen)",
        """CREATE TABLE track_points (
               visit_id INTEGER REFERENCES visits(id), t REAL, lat REAL, lon REAL,
               alt INTEGER, gs REAL, track REAL, vrate INTEGER, on_ground INTEGER)""",
        # Unique: replaying a recording again (or restoring saved rows twice) rewrites
        # its rows instead of doubling them.
        "CREATE UNIQUE INDEX track_points_visit_t ON track_points (visit_id, t)",
        """CREATE TABLE events (
               visit_id INTEGER REFERENCES visits(id), t REAL, kind TEXT, value TEXT)""",
        "CREATE UNIQUE INDEX events_visit_t ON events (visit_id, t, kind)",
    ):
        conn.execute(statement)


def _schema_v2(conn: sqlite3.Connection) -> None:
    """Sessions: one row per run of the receiver, what it listened to and how."""
    conn.execute(
        """CREATE TABLE sessions (
               id INTEGER PRIMARY KEY, started REAL NOT NULL, last_seen REAL NOT NULL,
               ended REAL, source TEXT NOT NULL, live INTEGER NOT NULL,
               rate INTEGER NOT NULL, gain_db REAL, samples INTEGER NOT NULL,
               dropped INTEGER NOT NULL, frames INTEGER NOT NULL, version TEXT NOT NULL)""")


def _schema_v3(conn: sqlite3.Connection) -> None:
    """The receiver's position in its session, and per-minute statistics of ALL traffic
    (visits hold watched aircraft only, unless --record-all): what `adsbwatch report`
    plots. A minute row belongs to one run: `run_start` is the run's start on the data
    clock (a recording's start time), so replaying a recording again rewrites its rows
    instead of doubling them, while two live runs in one minute keep a row each."""
    for statement in (
        "ALTER TABLE sessions ADD COLUMN lat REAL",
        "ALTER TABLE sessions ADD COLUMN lon REAL",
        """CREATE TABLE minutes (
               minute REAL NOT NULL, run_start REAL NOT NULL, session_id INTEGER,
               first_t REAL NOT NULL, last_t REAL NOT NULL, seconds REAL NOT NULL,
               frames INTEGER NOT NULL, messages INTEGER NOT NULL,
               frames_by_df TEXT NOT NULL, levels TEXT NOT NULL, max_dbfs REAL,
               noise_dbfs REAL, PRIMARY KEY (minute, run_start))""",
    ):
        conn.execute(statement)


def _schema_v4(conn: sqlite3.Connection) -> None:
    """A point is its visit, time and position, an event its visit, time, kind and value:
    two positions (or two changes) heard at one time (frames a network peer sent in one
    burst share its arrival time) are both kept, while the same one written again (a
    replay run twice, saved rows restored twice) still replaces itself. The old indexes
    were stricter, so every stored row already obeys the new ones."""
    for statement in (
        "DROP INDEX track_points_visit_t",
        "CREATE UNIQUE INDEX track_points_visit_t_pos ON track_points (visit_id, t, lat, lon)",
        "DROP INDEX events_visit_t",
        "CREATE UNIQUE INDEX events_visit_t_value ON events (visit_id, t, kind, value)",
    ):
        conn.execute(statement)


def _schema_v5(conn: sqlite3.Connection) -> None:
    """What the aircraft database says of a visit's aircraft, kept with the visit: the
    registration, ICAO type designator, operator and country a person reads it by. Rows
    stored before keep NULL (`sightings --aircraft-db` can fill them when it reads)."""
    for column in ("registration", "type_code", "operator", "country"):
        conn.execute(f"ALTER TABLE visits ADD COLUMN {column} TEXT")


def _schema_v6(conn: sqlite3.Connection) -> None:
    """The watchlist holds rules (`484506`, `country:RU military`, `squawk:7700`), each
    kept as its canonical text, which identifies it; the stored addresses and blocks
    become the rules they always were (`484506`, `100000-1FFFFF`)."""
    for statement in (
        "ALTER TABLE watchlist RENAME TO watchlist_blocks",
        """CREATE TABLE watchlist (
               rule TEXT PRIMARY KEY, label TEXT NOT NULL DEFAULT '', added REAL)""",
        """INSERT INTO watchlist (rule, label, added)
               SELECT printf('%06X', lo) || CASE WHEN hi = lo THEN ''
                                                 ELSE printf('-%06X', hi) END,
                      label, added
               FROM watchlist_blocks ORDER BY lo, hi""",
        "DROP TABLE watchlist_blocks",
    ):
        conn.execute(statement)


def _schema_v7(conn: sqlite3.Connection) -> None:
    """Sites: the station (--site) that ran a session, opened a visit, heard a point or an
    event, for many stations writing to one store. Rows stored before keep NULL."""
    for table, column in (("sessions", "site"), ("visits", "first_site"),
                          ("track_points", "site"), ("events", "site")):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")



_V3_MINUTES = ("minute, run_start, session_id, first_t, last_t, seconds, frames, messages, "
               "frames_by_df, levels, max_dbfs, noise_dbfs")


def _schema_v8(conn: sqlite3.Connection) -> None:
    """One visit across sites (see sql/joining.py): what each station heard of a visit is
    a row of `site_visits` (the station's own visit id and site, the visit it joined, its
    own counts) and `visits` holds their sum. At most one visit of an aircraft is open
    (`is_open` = 1), so two stations that open one at the same moment cannot both
    succeed. Every visit stored before becomes its own one part, closed. A minute's row
    names its site (two sites replaying recordings that began together)."""
    for statement in (
        "ALTER TABLE visits ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0",
        "CREATE UNIQUE INDEX visits_one_open ON visits (icao) WHERE is_open = 1",
        """CREATE TABLE site_visits (
               id INTEGER NOT NULL, site TEXT NOT NULL, visit_id INTEGER NOT NULL,
               icao INTEGER NOT NULL, label TEXT, watched INTEGER NOT NULL,
               first_seen REAL NOT NULL, last_seen REAL NOT NULL,
               callsigns TEXT NOT NULL DEFAULT '', squawks TEXT NOT NULL DEFAULT '',
               min_alt INTEGER, max_alt INTEGER, closest_km REAL, messages INTEGER NOT NULL,
               max_dbfs REAL, emergency TEXT, registration TEXT, type_code TEXT,
               operator TEXT, country TEXT, PRIMARY KEY (id, site))""",
        "CREATE INDEX site_visits_visit ON site_visits (visit_id)",
        V8_PARTS_FROM_VISITS,
        # A minute is the site's too: its key gains the site (a rebuilt table: SQLite
        # cannot change a primary key), rowids kept (the report reads in their order).
        """CREATE TABLE minutes_v8 (
               minute REAL NOT NULL, run_start REAL NOT NULL, session_id INTEGER,
               first_t REAL NOT NULL, last_t REAL NOT NULL, seconds REAL NOT NULL,
               frames INTEGER NOT NULL, messages INTEGER NOT NULL,
               frames_by_df TEXT NOT NULL, levels TEXT NOT NULL, max_dbfs REAL,
               noise_dbfs REAL, site TEXT NOT NULL DEFAULT '',
               PRIMARY KEY (minute, run_start, site))""",
        f"INSERT INTO minutes_v8 (rowid, {_V3_MINUTES}) SELECT rowid, {_V3_MINUTES} "
        "FROM minutes",
        "DROP TABLE minutes",
        "ALTER TABLE minutes_v8 RENAME TO minutes",
    ):
        conn.execute(statement)

# MIGRATIONS[n] takes a database from schema version n to n + 1. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_schema_v1, _schema_v2, _schema_v3,
                                                           _schema_v4, _schema_v5, _schema_v6,
                                                           _schema_v7, _schema_v8]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite_%'").fetchone()
    return row[0] > 0


def check_ours(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version, after checking we know it and the file is ours."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this adsbwatch "
            f"knows ({SCHEMA_VERSION}): upgrade adsbwatch or use another database")
    if version == 0 and _has_tables(conn):
        raise StoreError(f"{path} is a SQLite database of another program, "
                         "not an adsbwatch one: use another path")
    return version


def check_readable(conn: sqlite3.Connection, path: Path) -> None:
    """A database opened read-only cannot be migrated: it must be current already."""
    version = check_ours(conn, path)
    if version == 0:
        raise StoreError(f"{path} holds no adsbwatch store yet (it is empty)")
    if version < SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, older than this adsbwatch's "
            f"({SCHEMA_VERSION}): run a command that writes to it once (e.g. "
            "`adsbwatch watchlist add`) to upgrade it, then read it")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database to SCHEMA_VERSION in one transaction."""
    if schema_version(conn) == SCHEMA_VERSION:
        return  # the usual case: no write lock needed to open
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Check again under the lock: another process may have migrated meanwhile.
        version = check_ours(conn, path)
        for step in MIGRATIONS[version:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        # SQLite may have rolled back by itself already (e.g. after SQLITE_FULL)
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
