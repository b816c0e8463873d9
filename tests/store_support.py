"""Helpers of the store's tests: a recorder that collects its lines, raw looks into a
SQLite file, another program's lock."""

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


def recorder(db: Path, lines: Callable[[str], None] | None = None,
             **options: Any) -> Recorder:
    """A recorder of the SQLite store at `db`; its lines go to `lines` (else any line
    fails the test: none is expected)."""
    def unexpected(line: str) -> None:
        raise AssertionError(f"unexpected line: {line}")

    return open_recorder(str(db), warn=unexpected if lines is None else lines, **options)


def writer_connection(rec: Recorder) -> sqlite3.Connection:
    """The connection the recorder's writer writes with. SQLite can be made read-only
    (query_only) or full (max_page_count) only on the connection that writes."""
    return rec._target.store.conn  # type: ignore[attr-defined]


def wait_until(done: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, "waited in vain"
        time.sleep(0.01)


def written(rec: Recorder) -> None:
    """Commit and wait until the writer has written everything (or failed to)."""
    rec.commit()
    wait_until(lambda: rec.status.waiting == 0 or rec.status.problem is not None)


def raw_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def raw_rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def locked(db: Path) -> sqlite3.Connection:
    """Another program's connection holding the database with BEGIN EXCLUSIVE."""
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


def release(blocker: sqlite3.Connection) -> None:
    blocker.execute("ROLLBACK")
    blocker.close()


def restore_hint(saved: Path, db: Path) -> str:
    return f"restore them with `adsbwatch store restore {saved} --db {db}`"
