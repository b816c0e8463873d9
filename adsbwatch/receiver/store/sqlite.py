"""The durable record: the watchlist, every visit of an aircraft, its track and events.

One SQLite file (WAL, so readers never wait for the receiver). Visits, track points and
events are buffered in memory and written in one transaction per `flush()`, about once a
second (`maybe_flush`): a busy receiver then costs one fsync-free commit per second, not
one per message. A flush that fails (database locked by another program, disk full,
read-only) keeps every buffered row and is retried next time; `close()` saves what still
cannot be written to an unsaved-rows file (see unsaved.py), so nothing is lost, even
when an interrupt or any other exception arrives while it waits on a locked database.

Points and events may be added before their visit is saved (visit ids come from the
caller, not from SQLite: see decoder/messages/visits.py); they wait in the buffer until
their visit has been saved.

A store opened read-only (the reading commands) writes nothing beside the database, so a
store on a read-only medium can be read.

Times are UNIX epoch seconds (UTC). A Store is not thread-safe: use it from one thread at
a time.
"""

from __future__ import annotations

import atexit
import sqlite3
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.store import unsaved
from adsbwatch.receiver.store.errors import StoreError, error_name, is_busy, why
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    EVENT_KINDS,
    MINUTE_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    EventRow,
    MinuteRow,
    PointRow,
    SessionRow,
    TrackRow,
    VisitRow,
    event_values,
    minute_values,
    point_values,
    session_values,
    track_from,
    visit_from,
    visit_values,
)
from adsbwatch.receiver.store.schema import (
    SCHEMA_VERSION,
    check_ours,
    check_readable,
    migrate,
    rollback,
)

__all__ = ["EVENT_KINDS", "SCHEMA_VERSION", "EventRow", "PointRow", "Store", "StoreError",
           "TrackRow", "VisitRow"]

_ID_CHUNK = 500  # ids per `IN (...)` query, well below SQLite's bound-parameter limit
_KNOWN_VISITS = 10_000  # latest visit rows kept to make an unsaved-rows file whole
_LONGEST_PAUSE_S = 0.05  # between tries for a locked database

T = TypeVar("T")


class Store:
    """The SQLite store; see the module docstring for how writes are buffered."""

    def __init__(self, path: Path, commit_interval: float = 1.0,
                 busy_timeout_ms: int = 2000, read_only: bool = False) -> None:
        self.path = Path(path)
        self.commit_interval = commit_interval
        self.busy_timeout_s = busy_timeout_ms / 1000
        self.read_only = read_only
        self.last_error: str | None = None  # why the latest flush failed; None after success
        self._why = ""  # last_error without the path, for close()'s message
        self.failed_flushes = 0
        self._visits: dict[int, tuple] = {}  # latest state per visit id, not yet written
        self._points: list[tuple] = []
        self._events: list[tuple] = []
        self._session: tuple | None = None  # this run's session row, not yet written
        self._minutes: dict[tuple[float, float], tuple] = {}  # latest per (minute, run)
        # The latest row of recent visits, written or not: an unsaved-rows file then
        # holds the visit of each of its points even when that visit was written earlier.
        self._known: OrderedDict[int, tuple] = OrderedDict()
        self._last_flush: float | None = None
        self._conn = self._open_read_only() if read_only else self._open(busy_timeout_ms)
        # The last net: an exception that skips close() (one raised by a flush that
        # should have come before it) would otherwise end the program with rows
        # buffered and no word said.
        atexit.register(self._save_at_exit)

    # -------------------------------------------------------------------- opening

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {self.path.parent} for the database "
                             f"({exc.strerror or exc})") from None
        conn = self._connect(self.path, uri=False, busy_timeout_ms=busy_timeout_ms)
        with self._closed_on_failure(conn):
            check_ours(conn, self.path)  # before changing anything in a file not ours
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, self.path)
            # From now on the waits for a lock are ours (_waiting): interruptible.
            conn.execute("PRAGMA busy_timeout = 0")
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        # Without a -wal file beside the database no writer has it open and every row
        # is in the file itself: immutable=1 reads it without creating -wal and -shm
        # files (which a read-only medium could not hold). A writer starting meanwhile
        # writes to a new WAL, not to these pages, until a checkpoint far later than a
        # query. With a -wal file, mode=ro reads the rows still in it.
        wal = Path(f"{self.path}-wal")
        flag = "mode=ro" if wal.exists() else "immutable=1"
        uri = f"{self.path.absolute().as_uri()}?{flag}"
        conn = self._connect(uri, uri=True, busy_timeout_ms=int(self.busy_timeout_s * 1000))
        with self._closed_on_failure(conn):
            check_readable(conn, self.path)
            conn.execute("PRAGMA busy_timeout = 0")  # as for writing: the waits are ours
        return conn

    @contextmanager
    def _closed_on_failure(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Close a connection whose setup failed; SQLite's failure as a StoreError."""
        try:
            yield
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(self._open_problem(exc)) from None
        except BaseException:
            conn.close()
            raise

    def _connect(self, target: Path | str, *, uri: bool,
                 busy_timeout_ms: int) -> sqlite3.Connection:
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            conn = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, uri=uri,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        except sqlite3.Error as exc:
            raise StoreError(self._open_problem(exc)) from None
        return conn

    def _open_problem(self, exc: sqlite3.Error) -> str:
        name = error_name(exc)
        if name == "SQLITE_NOTADB" or "not a database" in str(exc):
            return f"{self.path} is not an adsbwatch database (it is not a SQLite file)"
        if name.startswith("SQLITE_CANTOPEN"):
            return f"cannot open the database {self.path} (check the path and permissions)"
        if name.startswith("SQLITE_CORRUPT"):
            return f"the database {self.path} is damaged ({exc})"
        return f"cannot open the database {self.path}: {why(exc)}"

    # -------------------------------------------------------------------- waiting

    def _waiting(self, action: Callable[[], T]) -> T:
        """`action()`, tried again while another program holds the lock, up to the busy
        timeout. The pauses are time.sleep, not SQLite's: Ctrl-C ends them at once, and
        the interrupt then arrives here, where close() can still save the rows."""
        deadline = time.monotonic() + self.busy_timeout_s
        pause = 0.001
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                left = deadline - time.monotonic()
                if not is_busy(exc) or left <= 0:
                    raise
            time.sleep(min(pause, left))
            pause = min(pause * 2, _LONGEST_PAUSE_S)

    def _execute_waiting(self, sql: str) -> None:
        self._waiting(lambda: self._conn.execute(sql))

    # -------------------------------------------------------------------- buffered writes

    def save_visit(self, v: VisitRow) -> None:
        """Buffer the visit's current state (insert, or update the row with its id)."""
        values = visit_values(v)
        self._visits[values[0]] = values
        self._known[values[0]] = values
        self._known.move_to_end(values[0])
        if len(self._known) > _KNOWN_VISITS:
            self._known.popitem(last=False)

    def save_session(self, s: SessionRow) -> None:
        """Buffer the run's session row (written with the next flush). A record of the
        run, not of aircraft: it is not among the rows an unsaved-rows file keeps."""
        self._session = session_values(s)

    def save_minute(self, m: MinuteRow) -> None:
        """Buffer a minute's statistics so far (insert, or replace the row of that minute
        and run). Like the session row, a record of the run: not among the rows an
        unsaved-rows file keeps."""
        values = minute_values(m)
        self._minutes[(values[0], values[1])] = values

    def sessions(self) -> list[SessionRow]:
        rows = self._read("read the sessions",
                          f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions ORDER BY started",
                          ())
        return [SessionRow(**dict(zip(SESSION_COLUMNS, row, strict=True))) for row in rows]

    def add_point(self, visit_id: int, p: PointRow) -> None:
        self._points.append(point_values(visit_id, p))

    def add_tracked_point(self, visit_id: int, t: float, lat: float, lon: float,
                          alt: int | None, gs: float | None, track: float | None,
                          vrate: int | None, on_ground: bool) -> None:
        """A point of the decoding pipeline, whose values are plain Python numbers
        already (the tracker makes them; CPR decoding keeps positions in range and
        visit ids are 63-bit hashes): add_point's checks, which cost as much as the rest
        of a point at hundreds of points a second, would find nothing."""
        self._points.append((visit_id, t, lat, lon, alt, gs, track, vrate, int(on_ground)))

    def add_event(self, visit_id: int, t: float, kind: str, value: str) -> None:
        self._events.append(event_values(visit_id, t, kind, value))

    @property
    def closed(self) -> bool:
        return self._conn is None

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
        a visit not saved yet stay buffered too, without that being a failure. Any other
        exception (an interrupt while waiting) leaves every row buffered too."""
        if not self.pending and self._session is None and not self._minutes:
            self.last_error = None
            return True
        try:
            self._execute_waiting("BEGIN IMMEDIATE")  # take the write lock up front
            points, events = self._write_rows(self._visits.values(), self._points,
                                              self._events)
            if self._session is not None:
                self._write_session(self._session)
            self._conn.executemany(
                f"INSERT OR REPLACE INTO minutes ({', '.join(MINUTE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(MINUTE_COLUMNS))})", self._minutes.values())
            self._execute_waiting("COMMIT")
        except sqlite3.DatabaseError as exc:
            rollback(self._conn)
            self._why = why(exc)
            self.last_error = f"cannot write to {self.path}: {self._why}"
            self.failed_flushes += 1
            return False
        except BaseException:
            rollback(self._conn)
            raise
        self._visits.clear()
        self._points, self._events = points, events
        self._session = None
        self._minutes.clear()
        self.last_error = None
        return True

    def _write_session(self, values: tuple) -> None:
        updates = ", ".join(f"{c} = excluded.{c}" for c in SESSION_COLUMNS[1:])
        self._conn.execute(
            f"INSERT INTO sessions ({', '.join(SESSION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(SESSION_COLUMNS))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}", values)

    def _write_rows(self, visits: Iterable[tuple], points: list[tuple],
                    events: list[tuple]) -> tuple[list[tuple], list[tuple]]:
        """Write visits, then the points and events whose visit exists; return the rest."""
        names = ", ".join(VISIT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in VISIT_COLUMNS[1:])
        self._conn.executemany(
            f"INSERT INTO visits ({names}) VALUES ({', '.join('?' * len(VISIT_COLUMNS))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}", visits)
        ready = self._existing_visits({row[0] for row in points + events})
        self._conn.executemany(
            f"INSERT OR REPLACE INTO track_points ({', '.join(POINT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(POINT_COLUMNS))})",
            [row for row in points if row[0] in ready])
        self._conn.executemany(
            f"INSERT OR REPLACE INTO events ({', '.join(EVENT_COLUMNS)}) VALUES (?, ?, ?, ?)",
            [row for row in events if row[0] in ready])
        return ([row for row in points if row[0] not in ready],
                [row for row in events if row[0] not in ready])

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
        """Flush and close. Rows that still cannot be written are saved to an
        unsaved-rows file and StoreError says where. If the flush is interrupted (a
        second Ctrl-C while waiting on a locked database) or fails in any other way, the
        rows are saved first, the file is named on stderr, and the exception goes on."""
        if self._conn is None:
            return
        try:
            try:
                self.flush()
            except BaseException as exc:
                if self.pending:
                    reason = f"the save was interrupted ({type(exc).__name__})"
                    print(f"adsbwatch: error: {self._save_unsaved(reason)}", file=sys.stderr)
                raise
            if self.pending:
                reason = self._why if self.last_error else "their visit was never saved"
                raise self._save_unsaved(reason)
        finally:
            atexit.unregister(self._save_at_exit)
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def _save_at_exit(self) -> None:
        """At the end of a program that never closed the store: no last try on the
        database (it may be what held the program up), the rows go to the file."""
        if self._conn is None or not self.pending:
            return
        reason = "the program ended before they were written"
        print(f"adsbwatch: error: {self._save_unsaved(reason)}", file=sys.stderr)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _save_unsaved(self, reason: str) -> StoreError:
        count = self.pending
        wanted = {row[0] for row in self._points + self._events}
        visits = dict(self._visits)
        visits.update((i, self._known[i]) for i in wanted - visits.keys() if i in self._known)
        text = unsaved.unsaved_text(visits.values(), self._points, self._events)
        saved, problems = unsaved.save_unsaved(self.path, text)
        return StoreError(unsaved.announcement(count, self.path, reason, saved, problems))

    # -------------------------------------------------------------------- restoring

    def restore_unsaved(self, path: Path) -> tuple[int, int]:
        """Write the rows of an unsaved-rows file in one transaction: (rows written,
        rows left out because their visit is in neither the file nor the database).
        Rows already there are rewritten with the same values, so restoring twice
        changes nothing. A bad line is a StoreError naming file:line; nothing is written."""
        saved = unsaved.read_unsaved(path)
        with self._transaction("restore rows"):
            points, events = self._write_rows(saved.visits.values(), saved.points,
                                              saved.events)
        left_out = len(points) + len(events)
        return saved.count - left_out, left_out

    # -------------------------------------------------------------------- the watchlist

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One immediate transaction; a failure becomes a one-line StoreError."""
        try:
            self._execute_waiting("BEGIN IMMEDIATE")
            yield self._conn
            self._execute_waiting("COMMIT")
        except sqlite3.DatabaseError as exc:
            rollback(self._conn)
            raise StoreError(f"cannot {doing} in {self.path}: {why(exc)}") from None
        except BaseException:
            rollback(self._conn)
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

    def read(self, doing: str, sql: str, params: Sequence = ()) -> list[tuple]:
        """The rows of one query (store/report_queries.py's SQL); a failure is a one-line
        StoreError saying what could not be read (`doing`)."""
        return self._read(doing, sql, params)

    def _read(self, doing: str, sql: str, params: Sequence) -> list[tuple]:
        try:
            return self._waiting(lambda: self._conn.execute(sql, params).fetchall())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot {doing} from {self.path}: {why(exc)}") from None

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
        return [visit_from(row) for row in rows]

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
        return [track_from(row) for row in rows]

    def events(self, visit_id: int) -> list[EventRow]:
        """The events of one visit, in time order."""
        self.flush()
        rows = self._read("read events", f"SELECT {', '.join(EVENT_COLUMNS)} FROM events "
                          "WHERE visit_id = ? ORDER BY t, rowid", (visit_id,))
        return [EventRow(*row) for row in rows]
