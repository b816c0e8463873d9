"""The history view's reads of the store: opened read-only afresh for each request, in a
worker thread so the event loop never waits on the store. Reads run beside the station's
writer; a store that does not exist (yet) reads as empty."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from adsbwatch.receiver.store.errors import NoStoreError
from adsbwatch.receiver.store.opening import open_history, open_watchlist_store

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import WatchEntry
    from adsbwatch.receiver.store.protocols import History

T = TypeVar("T")


class HistoryReader:
    def __init__(self, db: str | None) -> None:
        self.db = db  # --db's value; None: no history

    async def read(self, query: Callable[[History], T], empty: T) -> T:
        """`query(history)` on a fresh read-only History, or `empty` when there is no
        store. A store that cannot be read raises StoreError (one line saying why)."""
        return await self._in_thread(lambda: self._read_now(query), empty)

    async def watch_entries(self) -> list[WatchEntry]:
        """The store's own watchlist (`adsbwatch watchlist add`)."""
        return await self._in_thread(self._watch_entries_now, [])

    async def _in_thread(self, read: Callable[[], T], empty: T) -> T:
        if self.db is None:
            return empty
        try:
            return await asyncio.get_running_loop().run_in_executor(None, read)
        except NoStoreError:
            return empty

    def _read_now(self, query: Callable[[History], T]) -> T:
        with open_history(self.db) as history:
            return query(history)

    def _watch_entries_now(self) -> list[WatchEntry]:
        with open_watchlist_store(self.db, read_only=True) as store:
            return store.watch_entries()
