"""One connection to the SQLite store: opening it (WAL, so readers never wait for the
receiver; migrated to the current schema), or opening it read-only (the reading
commands), and the waits for another program's lock.

A store opened read-only writes nothing beside the database, so a store on a read-only
medium can be read. A connection is used by one thread at a time.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.sqlite.failures import error_name, is_busy, why
from adsbwatch.receiver.store.sqlite.schema import check_ours, check_readable, migrate, rollback

_LONGEST_PAUSE_S = 0.05  # between tries for a locked database

T = TypeVar("T")


class Store:
    """The SQLite store at `path`, open; `Store(path).close()` creates or migrates it."""

    row_locks = False  # no SELECT ... FOR UPDATE: a write holds the whole file's lock

    def __init__(self, path: Path, busy_timeout_ms: int = 2000,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.busy_timeout_s = busy_timeout_ms / 1000
        self.read_only = read_only
        self.conn = self._open_read_only() if read_only else self._open(busy_timeout_ms)

    # -------------------------------------------------------------------- opening

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {self.path.parent} for the database "
                             f"({exc.strerror or exc})") from None
        conn = self._connect(self.path, uri=False, busy_timeout_ms=busy_timeout_ms)
        with self._closed_on_failure(conn):
            if check_ours(conn, self.path) == 0:  # before changing a file not ours
                # A new store hands the space of pruned rows back to the disk (see
                # pruning.py); only possible before WAL and the first table.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, self.path)
            # From now on the waits for a lock are ours (waiting): interruptible.
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
            # isolation_level=None: we issue BEGIN/COMMIT ourselves. check_same_thread
            # off: a recorder opens here and writes in its writer thread.
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

    def waiting(self, action: Callable[[], T]) -> T:
        """`action()`, tried again while another program holds the lock, up to the busy
        timeout. The pauses are time.sleep, not SQLite's: Ctrl-C ends them at once."""
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

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction (the write lock taken up front, waited for); rolled
        back whatever ends it early. SQLite's failures go on as they are."""
        try:
            self.waiting(lambda: self.conn.execute("BEGIN IMMEDIATE"))
            yield self.conn
            self.waiting(lambda: self.conn.execute("COMMIT"))
        except BaseException:
            rollback(self.conn)
            raise

    @contextmanager
    def transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """writing(), a failure a one-line StoreError: "cannot {doing} in {path}: why"."""
        try:
            with self.writing() as conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot {doing} in {self.path}: {why(exc)}") from None

    def read(self, doing: str, sql: str, params: Sequence = ()) -> list[tuple]:
        """The rows of one query; a failure is a one-line StoreError saying what could not
        be read (`doing`)."""
        try:
            return self.waiting(lambda: self.conn.execute(sql, params).fetchall())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot {doing} from {self.path}: {why(exc)}") from None

    # -------------------------------------------------------------------- closing

    @property
    def closed(self) -> bool:
        return self.conn is None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
