"""The watched addresses in the SQLite store; each change is one transaction, committed
at once."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Closing
from adsbwatch.receiver.store.sqlite.connection import Store


class SqliteWatchlistStore(Closing):
    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.store = Store(path, read_only=read_only)
        self.location = str(path)

    def watch_entries(self) -> list[WatchEntry]:
        rows = self.store.read("read the watchlist",
                               "SELECT lo, hi, label FROM watchlist ORDER BY lo, hi")
        try:
            return [WatchEntry(lo, hi, label) for lo, hi, label in rows]
        except ValueError as exc:
            raise StoreError(f"{self.location}: the stored watchlist holds a bad entry "
                             f"({exc})") from None

    def add_watch(self, entries: Iterable[WatchEntry]) -> int:
        """A block already there gets the new label and keeps its `added` time."""
        now = time.time()
        values = [(e.lo, e.hi, e.label, now) for e in entries]
        with self.store.transaction("update the watchlist") as conn:
            before = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
            conn.executemany(
                "INSERT INTO watchlist (lo, hi, label, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(lo, hi) DO UPDATE SET label = excluded.label", values)
            after = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
        return after - before

    def remove_watch(self, lo: int, hi: int) -> bool:
        with self.store.transaction("update the watchlist") as conn:
            cursor = conn.execute("DELETE FROM watchlist WHERE lo = ? AND hi = ?", (lo, hi))
        return cursor.rowcount > 0

    def close(self) -> None:
        self.store.close()
