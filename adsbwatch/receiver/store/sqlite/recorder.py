"""The SQLite store as the writer thread's target, and a Recorder over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adsbwatch.receiver.defaults import VISIT_GAP_S
from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.cross_site import SiteAnswers
from adsbwatch.receiver.store.errors import WriteFailed
from adsbwatch.receiver.store.recorder import BUSY_WAIT_S, BufferedRecorder
from adsbwatch.receiver.store.sql.writing import write_rows
from adsbwatch.receiver.store.sqlite.connection import Store
from adsbwatch.receiver.store.sqlite.failures import why


class SqliteTarget:
    """Opened (created, migrated) on the caller's thread, so that a store that cannot be
    opened is a one-line error at the start; written in the writer's."""

    shared = False  # a file on one machine: one station writes to it

    def __init__(self, path: Path, busy_wait_s: float = BUSY_WAIT_S,
                 visit_gap_s: float = VISIT_GAP_S) -> None:
        self.store = Store(path, busy_timeout_ms=int(busy_wait_s * 1000))
        self.location = str(path)
        self.spill_folder: Path | None = self.store.path.parent
        self.spill_name = self.store.path.name
        self.visit_gap_s = visit_gap_s
        self.answers = SiteAnswers()

    def write(self, batch: RowBatch) -> RowBatch:
        try:
            with self.store.writing() as conn:
                written = write_rows(conn, batch, gap_s=self.visit_gap_s)
        except sqlite3.DatabaseError as exc:
            raise WriteFailed(why(exc)) from None
        self.answers.settle(written.answers)
        return written.left

    def close(self) -> None:
        self.store.close()


def open_sqlite_recorder(path: Path, warn: Callable[[str], None], *,
                         busy_wait_s: float = BUSY_WAIT_S, visit_gap_s: float = VISIT_GAP_S,
                         **options: Any) -> BufferedRecorder:
    return BufferedRecorder(SqliteTarget(path, busy_wait_s, visit_gap_s), warn, **options)
