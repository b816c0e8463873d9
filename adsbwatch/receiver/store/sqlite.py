"""The durable record: the watchlist, every visit of an aircraft, its track and events.

One SQLite file (WAL, so readers never wait for the receiver). Visits, track points and
events are buffered in memory and written in one transaction per `flush()`, about once a
second (`maybe_flush`): a busy receiver then costs one fsync-free commit per second, not
one per message. A flush that fails (database locked by another program, disk full,
read-only) keeps every buffered row and is retried next time; `close()` saves what still
cannot be written to a JSON-lines file beside the database, so nothing is lost.

Points and events may be added before their visit is saved (visit ids come from the
caller, not from SQLite: see decoder/visits.py); they wait in the buffer until their
visit has been saved.

Times are UNIX epoch seconds (UTC). A Store is not thread-safe: use it from one thread at
a time.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from types import TracebackType
from typing import Any

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.errors import RuntimeFailure

EVENT_KINDS = ("callsign", "squawk", "emergency")
_ID_CHUNK = 500  # ids per `IN (...)` query, well below SQLite's bound-parameter limit


class StoreError(RuntimeFailure):
    """The database cannot be opened, read or written; the message is one line."""


# ------------------------------------------------------------------------------ rows

@dataclass(kw_only=True)
class VisitRow:
    """One continuous stretch of reception of one aircraft (a row of `visits`)."""

    id: int
    icao: int
    first_seen: float
    last_seen: float
    label: str | None = None
    watched: bool = False
    callsigns: str = ""  # space-separated, in the order first heard
    squawks: str = ""  # likewise
    min_alt: int | None = None  # feet
    max_alt: int | None = None
    closest_km: float | None = None
    messages: int = 0
    max_dbfs: float | None = None
    emergency: str | None = None


@dataclass(frozen=True)
class PointRow:
    """One position of a visit's track."""

    t: float
    lat: float
    lon: float
    alt: int | None = None  # feet
    gs: float | None = None  # knots
    track: float | None = None  # degrees
    vrate: int | None = None  # feet per minute
    on_ground: bool = False


@dataclass(frozen=True)
class TrackRow:
    """A stored track point with the visit it belongs to."""

    visit_id: int
    t: float
    lat: float
    lon: float
    alt: int | None
    gs: float | None
    track: float | None
    vrate: int | None
    on_ground: bool


@dataclass(frozen=True)
class EventRow:
    visit_id: int
    t: float
    kind: str  # one of EVENT_KINDS
    value: str


VISIT_COLUMNS = ("id", "icao", "label", "watched", "first_seen", "last_seen", "callsigns",
                 "squawks", "min_alt", "max_alt", "closest_km", "messages", "max_dbfs",
                 "emergency")
POINT_COLUMNS = ("visit_id", "t", "lat", "lon", "alt", "gs", "track", "vrate", "on_ground")
EVENT_COLUMNS = ("visit_id", "t", "kind", "value")


# Values are converted when they are buffered, so a wrong type fails at the caller's line
# (not a second later in flush) and numpy scalars never reach sqlite3 or json.

def _finite(x: Any, name: str) -> float:
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {x!r}")
    return value


def _opt_float(x: Any) -> float | None:
    """None for a missing or non-finite value: SQLite turns NaN into NULL anyway, and
    JSON (the fallback file, exports) has no NaN or infinity."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _opt_int(x: Any) -> int | None:
    return None if x is None else int(x)


def _opt_str(x: Any) -> str | None:
    return None if x is None else str(x)


def _visit_id(x: Any) -> int:
    value = int(x)
    if not 0 < value < 2**63:
        raise ValueError(f"visit id must be a positive 63-bit integer, not {x!r}")
    return value


def _visit_values(v: VisitRow) -> tuple:
    return (_visit_id(v.id), int(v.icao), _opt_str(v.label), int(bool(v.watched)),
            _finite(v.first_seen, "first_seen"), _finite(v.last_seen, "last_seen"),
            str(v.callsigns), str(v.squawks), _opt_int(v.min_alt), _opt_int(v.max_alt),
            _opt_float(v.closest_km), int(v.messages), _opt_float(v.max_dbfs),
            _opt_str(v.emergency))


def _point_values(visit_id: int, p: PointRow) -> tuple:
    return (_visit_id(visit_id), _finite(p.t, "t"), _finite(p.lat, "lat"),
            _finite(p.lon, "lon"), _opt_int(p.alt), _opt_float(p.gs), _opt_float(p.track),
            _opt_int(p.vrate), int(bool(p.on_ground)))


def _visit_from(row: Sequence) -> VisitRow:
    values = dict(zip(VISIT_COLUMNS, row, strict=True))
    values["watched"] = bool(values["watched"])
    return VisitRow(**values)


def _track_from(row: Sequence) -> TrackRow:
    *head, on_ground = row
    return TrackRow(*head, on_ground=bool(on_ground))


# ------------------------------------------------------------------------------ schema

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
        # Unique: replaying a recording again rewrites its rows instead of doubling them.
        "CREATE UNIQUE INDEX track_points_visit_t ON track_points (visit_id, t)",
        """CREATE TABLE events (
               visit_id INTEGER REFERENCES visits(id), t REAL, kind TEXT, value TEXT)""",
        "CREATE UNIQUE INDEX events_visit_t ON events (visit_id, t, kind)",
    ):
        conn.execute(statement)


# MIGRATIONS[n] takes a database from schema version n to n + 1. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_schema_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def _error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def _why(exc: sqlite3.Error) -> str:
    """A short reason for a failed write, in words a user can act on."""
    name = _error_name(exc)
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "the database is locked by another program"
    if name.startswith("SQLITE_FULL") or "is full" in text:
        return "the disk is full (or the database reached its size limit)"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return "the database is read-only"
    return text


# ------------------------------------------------------------------------------ the store

class Store:
    """The SQLite store; see the module docstring for how writes are buffered."""

    def __init__(self, path: Path, commit_interval: float = 1.0,
                 busy_timeout_ms: int = 2000) -> None:
        self.path = Path(path)
        self.commit_interval = commit_interval
        self.last_error: str | None = None  # why the latest flush failed; None after success
        self._why = ""  # last_error without the path, for close()'s message
        self.failed_flushes = 0
        self._visits: dict[int, tuple] = {}  # latest state per visit id
        self._points: list[tuple] = []
        self._events: list[tuple] = []
        self._last_flush: float | None = None
        self._conn = self._open(busy_timeout_ms)

    # -------------------------------------------------------------------- opening

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {self.path.parent} for the database "
                             f"({exc.strerror or exc})") from None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000,
                                   isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(self._open_problem(exc)) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._check_ours(conn)  # before changing anything in a file that may not be ours
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(self._open_problem(exc)) from None
        except StoreError:
            conn.close()
            raise
        return conn

    def _open_problem(self, exc: sqlite3.Error) -> str:
        name = _error_name(exc)
        if name == "SQLITE_NOTADB" or "not a database" in str(exc):
            return f"{self.path} is not an adsbwatch database (it is not a SQLite file)"
        if name.startswith("SQLITE_CANTOPEN"):
            return f"cannot open the database {self.path} (check the path and permissions)"
        if name.startswith("SQLITE_CORRUPT"):
            return f"the database {self.path} is damaged ({exc})"
        return f"cannot open the database {self.path}: {_why(exc)}"

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) == SCHEMA_VERSION:
            return  # the usual case: no write lock needed to open
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Check again under the lock: another process may have migrated meanwhile.
            version = self._check_ours(conn)
            for step in MIGRATIONS[version:]:
                step(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    def _check_ours(self, conn: sqlite3.Connection) -> int:
        """The schema version, after checking we know it and the file is ours."""
        version = self._version(conn)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this adsbwatch "
                f"knows ({SCHEMA_VERSION}): upgrade adsbwatch or use another database")
        if version == 0 and self._has_tables(conn):
            raise StoreError(f"{self.path} is a SQLite database of another program, "
                             "not an adsbwatch one: use another path")
        return version

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    @staticmethod
    def _has_tables(conn: sqlite3.Connection) -> bool:
        row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite_%'").fetchone()
        return row[0] > 0

    # -------------------------------------------------------------------- buffered writes

    def save_visit(self, v: VisitRow) -> None:
        """Buffer the visit's current state (insert, or update the row with its id)."""
        values = _visit_values(v)
        self._visits[values[0]] = values

    def add_point(self, visit_id: int, p: PointRow) -> None:
        self._points.append(_point_values(visit_id, p))

    def add_event(self, visit_id: int, t: float, kind: str, value: str) -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}, "
                             f"not {kind!r}")
        self._events.append((_visit_id(visit_id), _finite(t, "t"), kind, str(value)))

    @property
    def pending(self) -> int:
        """Rows buffered and not yet in the database."""
        return len(self._visits) + len(self._points) + len(self._events)

    def maybe_flush(self, now: float) -> None:
        """Flush when `commit_interval` has passed since the last try (`now` is the
        caller's time.monotonic()). A failed try also waits, so a locked database
        costs at most one busy timeout per interval."""
        if self._last_flush is not None and now - self._last_flush < self.commit_interval:
            return
        self._last_flush = now
        self.flush()

    def flush(self) -> bool:
        """Write the buffered rows in one transaction. False if that failed: the rows
        stay buffered for the next flush and `last_error` says why. Points and events of
        a visit not saved yet stay buffered too, without that being a failure."""
        if not self.pending:
            self.last_error = None
            return True
        try:
            self._conn.execute("BEGIN IMMEDIATE")  # take the write lock up front
            points, events = self._write_buffer()
            self._conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(self._conn)
            self._why = _why(exc)
            self.last_error = f"cannot write to {self.path}: {self._why}"
            self.failed_flushes += 1
            return False
        self._visits.clear()
        self._points, self._events = points, events
        self.last_error = None
        return True

    def _write_buffer(self) -> tuple[list[tuple], list[tuple]]:
        """Write visits, then the points and events whose visit exists; return the rest."""
        names = ", ".join(VISIT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in VISIT_COLUMNS[1:])
        self._conn.executemany(
            f"INSERT INTO visits ({names}) VALUES ({', '.join('?' * len(VISIT_COLUMNS))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}", self._visits.values())
        ready = self._existing_visits({row[0] for row in self._points + self._events})
        points = [row for row in self._points if row[0] in ready]
        events = [row for row in self._events if row[0] in ready]
        self._conn.executemany(
            f"INSERT OR REPLACE INTO track_points ({', '.join(POINT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(POINT_COLUMNS))})", points)
        self._conn.executemany(
            f"INSERT OR REPLACE INTO events ({', '.join(EVENT_COLUMNS)}) VALUES (?, ?, ?, ?)",
            events)
        return ([row for row in self._points if row[0] not in ready],
                [row for row in self._events if row[0] not in ready])

    def _existing_visits(self, ids: set[int]) -> set[int]:
        found: set[int] = set()
        wanted = sorted(ids)
        for i in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[i:i + _ID_CHUNK]
            rows = self._conn.execute(
                f"SELECT id FROM visits WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update(row[0] for row in rows)
        return found

    # -------------------------------------------------------------------- closing

    def close(self) -> None:
        """Flush and close. Rows that still cannot be written are saved as JSON lines
        beside the database (or in the current folder) and StoreError says where."""
        if self._conn is None:
            return
        try:
            self.flush()
            if self.pending:
                reason = self._why if self.last_error else "their visit was never saved"
                raise self._save_unsaved(reason)
        finally:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _unsaved_lines(self) -> str:
        tables = (("visits", VISIT_COLUMNS, self._visits.values()),
                  ("track_points", POINT_COLUMNS, self._points),
                  ("events", EVENT_COLUMNS, self._events))
        return "".join(
            json.dumps({"table": table, "row": dict(zip(columns, row, strict=True))}) + "\n"
            for table, columns, rows in tables for row in rows)

    def _save_unsaved(self, reason: str) -> StoreError:
        count, text = self.pending, self._unsaved_lines()
        name = f"{self.path.name}.unsaved-{int(time.time())}"
        problems = []
        for folder in (self.path.parent, Path.cwd()):
            try:
                target = _write_new_file(folder, name, text)
            except OSError as exc:
                problems.append(f"{folder}: {exc.strerror or exc}")
                continue
            return StoreError(f"could not write {count} rows to {self.path}: {reason}; "
                              f"saved them to {target}")
        return StoreError(f"could not write {count} rows to {self.path}: {reason}; could "
                          f"not save them to a file either ({'; '.join(problems)})")

    def restore_unsaved(self, path: Path) -> int:
        """Buffer again the rows a failed close() saved to `path`; returns how many.
        They are written by the next flush (or close)."""
        rows: list[tuple[str, dict]] = []
        try:
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, start=1):
                    try:
                        item = json.loads(line)
                        rows.append((item["table"], item["row"]))
                    except (ValueError, KeyError, TypeError):
                        raise StoreError(f"{path}:{number}: not a line of saved rows") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        for table, row in rows:
            self._buffer_saved_row(path, table, row)
        return len(rows)

    def _buffer_saved_row(self, path: Path, table: str, row: dict) -> None:
        try:
            if table == "visits":
                self.save_visit(_visit_from([row[c] for c in VISIT_COLUMNS]))
            elif table == "track_points":
                self.add_point(row["visit_id"], _point_from_saved(row))
            elif table == "events":
                self.add_event(row["visit_id"], row["t"], row["kind"], row["value"])
            else:
                raise ValueError(f"unknown table {table!r}")
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: a saved row cannot be restored ({exc})") from None

    # -------------------------------------------------------------------- the watchlist

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One immediate transaction; a failure becomes a one-line StoreError."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            yield self._conn
            self._conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(self._conn)
            raise StoreError(f"cannot {doing} in {self.path}: {_why(exc)}") from None
        except BaseException:
            _rollback(self._conn)
            raise

    def watch_entries(self) -> list[WatchEntry]:
        """The stored watchlist, by address."""
        rows = self._read("read the watchlist",
                          "SELECT lo, hi, label FROM watchlist ORDER BY lo, hi", ())
        try:
            return [WatchEntry(lo, hi, label) for lo, hi, label in rows]
        except ValueError as exc:
            raise StoreError(f"{self.path}: the stored watchlist holds a bad entry "
                             f"({exc})") from None

    def add_watch(self, entries: Iterable[WatchEntry]) -> int:
        """Add entries in one transaction, replacing the label of a block already there
        (its `added` time stays). Returns how many blocks were new."""
        now = time.time()
        values = [(e.lo, e.hi, e.label, now) for e in entries]
        with self._transaction("update the watchlist") as conn:
            before = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
            conn.executemany(
                "INSERT INTO watchlist (lo, hi, label, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(lo, hi) DO UPDATE SET label = excluded.label", values)
            after = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
        return after - before

    def remove_watch(self, lo: int, hi: int) -> bool:
        """Remove the entry for exactly lo..hi; False if there was none."""
        with self._transaction("update the watchlist") as conn:
            cursor = conn.execute("DELETE FROM watchlist WHERE lo = ? AND hi = ?", (lo, hi))
        return cursor.rowcount > 0

    # -------------------------------------------------------------------- queries

    def _read(self, doing: str, sql: str, params: Sequence) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot {doing} from {self.path}: {_why(exc)}") from None

    def sightings(self, icao: int | None = None, since: float | None = None,
                  ) -> list[VisitRow]:
        """Visits (of `icao`, or of all) seen at or after `since`, newest first. Buffered
        rows are flushed first, so what was saved is what is read (if the flush can)."""
        self.flush()
        where, params = [], []
        if icao is not None:
            where.append("icao = ?")
            params.append(icao)
        if since is not None:
            where.append("last_seen >= ?")  # still in the air at `since` counts too
            params.append(since)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._read("read sightings", f"SELECT {', '.join(VISIT_COLUMNS)} FROM visits "
                          f"{clause}ORDER BY first_seen DESC, id", params)
        return [_visit_from(row) for row in rows]

    def track(self, icao: int, since: float | None = None) -> list[TrackRow]:
        """Every track point of every visit of `icao` (at or after `since`), in time order."""
        self.flush()
        columns = ", ".join(f"p.{c}" for c in POINT_COLUMNS)
        sql = (f"SELECT {columns} FROM track_points p JOIN visits v ON v.id = p.visit_id "
               "WHERE v.icao = ?")
        params: list[Any] = [icao]
        if since is not None:
            sql += " AND p.t >= ?"
            params.append(since)
        rows = self._read("read a track", sql + " ORDER BY p.t, p.rowid", params)
        return [_track_from(row) for row in rows]

    def events(self, visit_id: int) -> list[EventRow]:
        """The events of one visit, in time order."""
        self.flush()
        rows = self._read("read events", f"SELECT {', '.join(EVENT_COLUMNS)} FROM events "
                          "WHERE visit_id = ? ORDER BY t, rowid", (visit_id,))
        return [EventRow(*row) for row in rows]


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        # SQLite may have rolled back by itself already (e.g. after SQLITE_FULL)
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _point_from_saved(row: dict) -> PointRow:
    names = [f.name for f in fields(PointRow)]
    return PointRow(**{name: row[name] for name in names})


def _write_new_file(folder: Path, name: str, text: str) -> Path:
    """Write `text` to a new file `name[-n].jsonl` in `folder`; no partial file remains."""
    data = text.encode("utf-8")
    for n in range(100):
        target = folder / (f"{name}.jsonl" if n == 0 else f"{name}-{n}.jsonl")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError:
            os.close(fd)
            target.unlink(missing_ok=True)
            raise
        os.close(fd)
        return target
    raise FileExistsError(f"too many saved files named {name}*.jsonl")
