"""The PostgreSQL store as the writer thread's target, and a Recorder over it. A server
that goes away (stopped, restarted, the network down) fails the write that finds it so;
the writer keeps the rows and tries again, and each try first connects anew. A lock
another program holds (LOCK TABLE, a migration's ALTER TABLE) fails a write after
`busy_wait_s`, as on SQLite, instead of holding the writer for as long as it is held."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from adsbwatch.receiver.defaults import VISIT_GAP_S
from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.cross_site import SiteAnswers
from adsbwatch.receiver.store.errors import StoreError, WriteFailed
from adsbwatch.receiver.store.postgres.connection import PgStore, bound_lock_waits, dial
from adsbwatch.receiver.store.postgres.failures import is_gone, why
from adsbwatch.receiver.store.recorder import BUSY_WAIT_S, BufferedRecorder
from adsbwatch.receiver.store.sql.writing import write_rows

CONTENDED_TRIES = 3


def spill_name(location: str) -> str:
    """The unsaved-rows file's name for a store on a server: `adsbwatch-HOST-DBNAME`."""
    tail = location.partition("://")[2].rpartition("@")[2]  # no user part
    tail = tail.split("?", 1)[0]
    return "adsbwatch-" + (re.sub(r"[^A-Za-z0-9.]+", "-", tail).strip("-") or "postgresql")


class PgTarget:
    """Connected, checked and migrated on the caller's thread, so that a store that cannot
    be opened is a one-line error at the start; written in the writer's. The rows no
    write took go to the working folder (a server has no folder of ours)."""

    shared = True  # a server's database: many stations may write to it

    def __init__(self, url: str, busy_wait_s: float = BUSY_WAIT_S,
                 visit_gap_s: float = VISIT_GAP_S) -> None:
        self.store = PgStore(url)
        self.visit_gap_s = visit_gap_s
        self.answers = SiteAnswers()
        self.url = url
        self.location = self.store.location
        self.spill_folder: Path | None = None
        self.spill_name = spill_name(self.location)
        self._lock_wait_s = busy_wait_s
        try:
            self._conn: psycopg.Connection | None = self._waiting_for_locks(self.store.conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the database {self.location}: "
                             f"{why(exc, url)}") from None

    def write(self, batch: RowBatch) -> RowBatch:
        for attempt in range(1, CONTENDED_TRIES + 1):
            try:
                self._connected()
                with self.store.writing() as pg:
                    written = write_rows(pg, batch, gap_s=self.visit_gap_s, lock_visits=True)
                break
            except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable) as exc:
                # Two stations' transactions waited on each other (rare: the joins and
                # locks go in one order), or another's held a visit longer than the lock
                # wait: at once again, and only then is it a failure to say.
                if attempt == CONTENDED_TRIES:
                    if is_gone(exc, self._conn):
                        self._drop()
                    raise WriteFailed(why(exc, self.url)) from None
            except psycopg.Error as exc:
                if is_gone(exc, self._conn):
                    self._drop()
                raise WriteFailed(why(exc, self.url)) from None
        self.answers.settle(written.answers)
        return written.left

    def _connected(self) -> psycopg.Connection:
        """The connection, made anew after one was lost."""
        if self._conn is None:
            self._conn = self.store.conn = self._waiting_for_locks(dial(self.url))
        return self._conn

    def _waiting_for_locks(self, conn: psycopg.Connection) -> psycopg.Connection:
        """`conn`, its waits for a lock bounded; closed if that fails."""
        try:
            bound_lock_waits(conn, self._lock_wait_s)
        except BaseException:
            conn.close()
            raise
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        self._drop()


def open_postgres_recorder(url: str, warn: Callable[[str], None], *,
                           busy_wait_s: float = BUSY_WAIT_S, visit_gap_s: float = VISIT_GAP_S,
                           **options: Any) -> BufferedRecorder:
    return BufferedRecorder(PgTarget(url, busy_wait_s, visit_gap_s), warn, **options)
