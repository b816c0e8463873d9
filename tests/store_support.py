"""Helpers of the store's tests: a recorder that collects its lines, raw looks into a
store of either backend (a SQLite file's path or a PostgreSQL URL), another program's
lock on a SQLite file."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adsbwatch.receiver.store.opening import open_recorder
from adsbwatch.receiver.store.protocols import Recorder

T0 = 1_795_000_000.0
BACKENDS = ("sqlite", "postgresql")  # conftest's store_location gives a store of each
# Lines of writers no test expected to speak: the writer swallows what its `warn` raises
# (it must go on writing), so conftest fails the test after it instead.
UNEXPECTED: list[str] = []


class Lines(list):
    """The lines a recorder's writer says, with a way to wait for the next one (they
    come from the writer's thread)."""

    def __init__(self) -> None:
        super().__init__()
        self._said = threading.Condition()

    def __call__(self, line: str) -> None:
        with self._said:
            self.append(line)
            self._said.notify_all()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[str]:
        with self._said:
            assert self._said.wait_for(lambda: len(self) >= count, timeout), list(self)
        return list(self)


def recorder(db: Path | str, lines: Callable[[str], None] | None = None,
             **options: Any) -> Recorder:
    """A recorder of the store at `db` (a path or a URL); its lines go to `lines` (else any line
    fails the test: none is expected)."""
    return open_recorder(str(db), warn=UNEXPECTED.append if lines is None else lines,
                         **options)


def new_store_location(request: Any, folder: Path) -> str:
    """--db of a store not there yet, of the backend `request.param` names (a pytest
    FixtureRequest of a fixture with params=BACKENDS): a SQLite file in `folder`/data (not
    made yet) or a new database on the session's server."""
    if request.param == "sqlite":
        return str(folder / "data" / "adsbwatch.db")
    server = request.getfixturevalue("pg_server")
    return server.url(server.new_database())


def writer_connection(rec: Recorder) -> Any:
    """The connection the recorder's writer writes with (sqlite3's or psycopg's). SQLite
    can be made read-only (query_only) or full (max_page_count) only on the connection
    that writes."""
    return rec._target.store.conn  # type: ignore[attr-defined]


def is_server(location: Path | str) -> bool:
    return str(location).startswith("postgresql://")


def refuse_writes(rec: Recorder) -> None:
    """Every write of the recorder's writer fails from now on ("the database is
    read-only"), on its own connection: SQLite's query_only, PostgreSQL's read-only
    transactions."""
    conn = writer_connection(rec)
    if is_server(rec.location):
        conn.execute("SET default_transaction_read_only = on")
    else:
        conn.execute("PRAGMA query_only = ON")


def unsaved_files(location: Path | str) -> list[Path]:
    """The unsaved-rows files of the store at `location`: beside a SQLite file, in the
    working folder for a server's (adsbwatch-HOST-PORT-DBNAME)."""
    if is_server(location):
        return sorted(Path.cwd().glob("adsbwatch-*.unsaved-*.jsonl"))
    path = Path(location)
    return sorted(path.parent.glob(f"{path.name}.unsaved-*.jsonl"))


def store_made(location: Path | str) -> bool:
    """Whether anything of a store is there: a SQLite file, or the store's tables."""
    if is_server(location):
        return raw_rows(location, "SELECT to_regclass('visits')") != [(None,)]
    return Path(location).exists()


def another_store(request: Any, location: str, folder: Path) -> str:
    """A second store not there yet, of the backend of `location` (request: the test's)."""
    if is_server(location):
        server = request.getfixturevalue("pg_server")
        return server.url(server.new_database())
    return str(folder / "other.db")


def wait_until(done: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, "waited in vain"
        time.sleep(0.01)


def written(rec: Recorder) -> None:
    """Commit and wait until the writer has written everything (or failed to)."""
    rec.commit()
    wait_until(lambda: rec.status.waiting == 0 or rec.status.problem is not None)


def raw_rows(location: Path | str, sql: str) -> list[tuple]:
    """The rows of `sql` read straight from the store, past adsbwatch's own reading."""
    if is_server(location):
        import psycopg

        with psycopg.connect(str(location), autocommit=True) as conn:
            return conn.execute(sql).fetchall()
    conn = sqlite3.connect(location)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def raw_execute(location: Path | str, *statements: str) -> None:
    """Statements run straight on the store, committed (another program's doing)."""
    if is_server(location):
        import psycopg

        with psycopg.connect(str(location), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    with sqlite3.connect(location) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def pg_clients(url: str) -> set[int]:
    """The server processes of the connections to the database of `url`, but the one
    that asks."""
    return {pid for (pid,) in raw_rows(url, "SELECT pid FROM pg_stat_activity WHERE "
                                            "datname = current_database() AND "
                                            "pid <> pg_backend_pid()")}


def raw_count(location: Path | str, table: str) -> int:
    return raw_rows(location, f"SELECT count(*) FROM {table}")[0][0]


def integrity(location: Path | str) -> str:
    """"ok" when no point, event or site's part lacks its visit, and (SQLite) the file is
    sound."""
    orphans = sum(raw_rows(location, f"SELECT count(*) FROM {table} r WHERE NOT EXISTS "
                                     "(SELECT 1 FROM visits v WHERE v.id = r.visit_id)")[0][0]
                  for table in ("track_points", "events"))
    if orphans:
        return f"{orphans} points and events without their visit"
    lost_parts = raw_rows(location, "SELECT count(*) FROM site_visits s WHERE NOT EXISTS "
                                    "(SELECT 1 FROM visits v WHERE v.id = s.visit_id)")[0][0]
    if lost_parts:
        return f"{lost_parts} sites' parts without their visit"
    if is_server(location):
        return "ok"
    return raw_rows(location, "PRAGMA integrity_check")[0][0]


def locked(db: Path | str) -> Any:
    """Another program's connection holding the store's lock: SQLite's BEGIN EXCLUSIVE,
    or on PostgreSQL every table locked against writers (LOCK TABLE ... IN EXCLUSIVE MODE:
    reading goes on). Its execute() reads, inside that transaction."""
    if is_server(db):
        import psycopg

        blocker = psycopg.connect(str(db))  # not autocommit: the lock lasts
        blocker.execute("LOCK TABLE visits, track_points, events, sessions, minutes, "
                        "watchlist IN EXCLUSIVE MODE")
        return blocker
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def release(blocker: Any) -> None:
    if isinstance(blocker, sqlite3.Connection):
        blocker.execute("ROLLBACK")
    else:
        blocker.rollback()
    blocker.close()


def restore_hint(saved: Path, db: Path) -> str:
    return f"restore them with `adsbwatch store restore {saved} --db {db}`"
