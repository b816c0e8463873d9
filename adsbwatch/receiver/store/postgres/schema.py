"""The store's tables in PostgreSQL: SQLite's tables and columns (sqlite/schema.py) with
PostgreSQL's types, the schema version in the one-row table `adsbwatch_schema`, and the
migrations, numbered as SQLite's so both backends name a schema alike.

Types: every integer BIGINT (SQLite's are 64-bit: an altitude an unsaved-rows file
holds must restore on both), times and measures DOUBLE PRECISION, flags INTEGER 0/1 (the
rows are then the same tuples on both backends). track_points, events and minutes have
a `rowid` column, as SQLite's tables have one of their own: the report reads them in
chunks keyed on it."""

from __future__ import annotations

from collections.abc import Sequence

from adsbwatch.receiver.store.errors import CannotOpenStore, NoStoreError
from adsbwatch.receiver.store.sql.parts import V8_PARTS_FROM_VISITS

REAL = "DOUBLE PRECISION"
ROWID = "rowid BIGINT GENERATED ALWAYS AS IDENTITY"

_V1 = (
    f"""CREATE TABLE watchlist (
           lo INTEGER, hi INTEGER, label TEXT NOT NULL DEFAULT '', added {REAL},
           PRIMARY KEY (lo, hi))""",
    f"""CREATE TABLE visits (
           id BIGINT PRIMARY KEY, icao BIGINT NOT NULL, label TEXT,
           watched INTEGER NOT NULL, first_seen {REAL} NOT NULL, last_seen {REAL} NOT NULL,
           callsigns TEXT NOT NULL DEFAULT '', squawks TEXT NOT NULL DEFAULT '',
           min_alt BIGINT, max_alt BIGINT, closest_km {REAL},
           messages BIGINT NOT NULL, max_dbfs {REAL}, emergency TEXT)""",
    "CREATE INDEX visits_icao_first_seen ON visits (icao, first_seen)",
    "CREATE INDEX visits_first_seen ON visits (first_seen)",
    f"""CREATE TABLE track_points (
           {ROWID}, visit_id BIGINT REFERENCES visits(id), t {REAL}, lat {REAL},
           lon {REAL}, alt BIGINT, gs {REAL}, track {REAL}, vrate BIGINT,
           on_ground INTEGER)""",
    "CREATE UNIQUE INDEX track_points_visit_t ON track_points (visit_id, t)",
    "CREATE INDEX track_points_rowid ON track_points (rowid)",
    f"""CREATE TABLE events (
           {ROWID}, visit_id BIGINT REFERENCES visits(id), t {REAL}, kind TEXT, value TEXT)""",
    "CREATE UNIQUE INDEX events_visit_t ON events (visit_id, t, kind)",
)
_V2 = (
    f"""CREATE TABLE sessions (
           id BIGINT PRIMARY KEY, started {REAL} NOT NULL, last_seen {REAL} NOT NULL,
           ended {REAL}, source TEXT NOT NULL, live INTEGER NOT NULL,
           rate BIGINT NOT NULL, gain_db {REAL}, samples BIGINT NOT NULL,
           dropped BIGINT NOT NULL, frames BIGINT NOT NULL, version TEXT NOT NULL)""",
)
_V3 = (
    f"ALTER TABLE sessions ADD COLUMN lat {REAL}",
    f"ALTER TABLE sessions ADD COLUMN lon {REAL}",
    f"""CREATE TABLE minutes (
           {ROWID}, minute {REAL} NOT NULL, run_start {REAL} NOT NULL, session_id BIGINT,
           first_t {REAL} NOT NULL, last_t {REAL} NOT NULL, seconds {REAL} NOT NULL,
           frames BIGINT NOT NULL, messages BIGINT NOT NULL,
           frames_by_df TEXT NOT NULL, levels TEXT NOT NULL, max_dbfs {REAL},
           noise_dbfs {REAL}, PRIMARY KEY (minute, run_start))""",
    "CREATE INDEX minutes_rowid ON minutes (rowid)",
)
_V4 = (
    "DROP INDEX track_points_visit_t",
    "CREATE UNIQUE INDEX track_points_visit_t_pos ON track_points (visit_id, t, lat, lon)",
    "DROP INDEX events_visit_t",
    "CREATE UNIQUE INDEX events_visit_t_value ON events (visit_id, t, kind, value)",
)
_V5 = tuple(f"ALTER TABLE visits ADD COLUMN {column} TEXT"
            for column in ("registration", "type_code", "operator", "country"))
_V6 = (
    "ALTER TABLE watchlist RENAME TO watchlist_blocks",
    f"""CREATE TABLE watchlist (
           rule TEXT PRIMARY KEY, label TEXT NOT NULL DEFAULT '', added {REAL})""",
    """INSERT INTO watchlist (rule, label, added)
           SELECT upper(lpad(to_hex(lo), 6, '0')) || CASE WHEN hi = lo THEN ''
                  ELSE '-' || upper(lpad(to_hex(hi), 6, '0')) END, label, added
           FROM watchlist_blocks ORDER BY lo, hi""",
    "DROP TABLE watchlist_blocks",
)

# Sites (see sqlite/schema.py's v7): who ran a session, opened a visit, heard a point or
# an event.
_V7 = tuple(f"ALTER TABLE {table} ADD COLUMN {column} TEXT"
            for table, column in (("sessions", "site"), ("visits", "first_site"),
                                  ("track_points", "site"), ("events", "site")))

# One visit across sites (see sqlite/schema.py's v8 and sql/joining.py).
_V8 = (
    "ALTER TABLE visits ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0",
    "CREATE UNIQUE INDEX visits_one_open ON visits (icao) WHERE is_open = 1",
    f"""CREATE TABLE site_visits (
           id BIGINT NOT NULL, site TEXT NOT NULL, visit_id BIGINT NOT NULL,
           icao BIGINT NOT NULL, label TEXT, watched INTEGER NOT NULL,
           first_seen {REAL} NOT NULL, last_seen {REAL} NOT NULL,
           callsigns TEXT NOT NULL DEFAULT '', squawks TEXT NOT NULL DEFAULT '',
           min_alt BIGINT, max_alt BIGINT, closest_km {REAL}, messages BIGINT NOT NULL,
           max_dbfs {REAL}, emergency TEXT, registration TEXT, type_code TEXT,
           operator TEXT, country TEXT, PRIMARY KEY (id, site))""",
    "CREATE INDEX site_visits_visit ON site_visits (visit_id)",
    V8_PARTS_FROM_VISITS,
    "ALTER TABLE minutes ADD COLUMN site TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE minutes DROP CONSTRAINT minutes_pkey",
    "ALTER TABLE minutes ADD PRIMARY KEY (minute, run_start, site)",
)

# MIGRATIONS[n] takes a database from schema version n to n + 1, as sqlite/schema.py's
# do. Append, never edit.
MIGRATIONS: list[Sequence[str]] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8]
SCHEMA_VERSION = len(MIGRATIONS)

VERSION_TABLE = "adsbwatch_schema"
MIGRATION_LOCK = 0x0ADB5_1090  # the advisory lock stations take to migrate one at a time


def version_sql() -> str:
    return f"SELECT version FROM {VERSION_TABLE}"


def no_store(location: str) -> NoStoreError:
    return NoStoreError(f"there is no store at {location}: check --db, or record one "
                        f"first (e.g. `adsbwatch replay FILE --db {location}`)")


def check_version(version: int | None, other_tables: int, location: str, *,
                  read_only: bool) -> int:
    """The schema version after checking we know it and the database is ours; `version`
    None: no version table, `other_tables` tables there besides."""
    if version is None:
        if other_tables:
            raise CannotOpenStore(
                f"{location} holds tables of another program, not an adsbwatch store: use "
                "another database (or a schema of its own: ?options=-csearch_path%3DNAME)")
        if read_only:
            raise no_store(location)
        return 0
    if version > SCHEMA_VERSION:
        raise CannotOpenStore(
            f"{location} has schema version {version}, newer than this adsbwatch knows "
            f"({SCHEMA_VERSION}): upgrade adsbwatch or use another database")
    if read_only and version < SCHEMA_VERSION:
        raise CannotOpenStore(
            f"{location} has schema version {version}, older than this adsbwatch's "
            f"({SCHEMA_VERSION}): run a command that writes to it once (e.g. "
            "`adsbwatch watchlist add`) to upgrade it, then read it")
    return version


def migration_steps(version: int) -> list[str]:
    """The statements that take a database at `version` (0: empty) to SCHEMA_VERSION."""
    first = [f"CREATE TABLE {VERSION_TABLE} (version INTEGER NOT NULL)",
             f"INSERT INTO {VERSION_TABLE} VALUES (0)"] if version == 0 else []
    return [*first, *(s for step in MIGRATIONS[version:] for s in step),
            f"UPDATE {VERSION_TABLE} SET version = {SCHEMA_VERSION}"]
