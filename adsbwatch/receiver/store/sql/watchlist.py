"""The watchlist's rules in the store, each kept as its canonical text (which
identifies it) and its label; each change is one transaction, committed at once."""

from __future__ import annotations

import time
from collections.abc import Iterable

from adsbwatch.decoder.messages.watchlist import WatchEntry, parse_rule
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Closing
from adsbwatch.receiver.store.rows import storable_text
from adsbwatch.receiver.store.sql.database import Database


class SqlWatchlistStore(Closing):
    def __init__(self, store: Database) -> None:
        self.store = store
        self.location = store.location

    def watch_entries(self) -> list[WatchEntry]:
        # By text: addresses and blocks first, by address, then the other rules.
        rows = self.store.read("read the watchlist",
                               "SELECT rule, label FROM watchlist ORDER BY rule")
        try:
            return [parse_rule(rule, label) for rule, label in rows]
        except ValueError as exc:
            raise StoreError(f"{self.location}: the stored watchlist holds a bad rule "
                             f"({exc})") from None

    def add_watch(self, entries: Iterable[WatchEntry]) -> int:
        """A rule already there gets the new label and keeps its `added` time."""
        now = time.time()
        values = [(e.rule(), storable_text(e.label), now) for e in entries]
        with self.store.transaction("update the watchlist") as conn:
            before = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
            conn.executemany(
                "INSERT INTO watchlist (rule, label, added) VALUES (?, ?, ?) "
                "ON CONFLICT(rule) DO UPDATE SET label = excluded.label", values)
            after = conn.execute("SELECT count(*) FROM watchlist").fetchone()[0]
        return after - before

    def remove_watch(self, entry: WatchEntry) -> bool:
        """Remove the rule `entry` is (its label aside); False if there was none."""
        with self.store.transaction("update the watchlist") as conn:
            cursor = conn.execute("DELETE FROM watchlist WHERE rule = ?", (entry.rule(),))
        return cursor.rowcount > 0

    def close(self) -> None:
        self.store.close()
