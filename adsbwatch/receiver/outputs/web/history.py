"""The history view's reads of the store: opened read-only afresh for each request, in a
worker thread so the event loop never waits on the store. Reads run beside the station's
writer; a store that does not exist (yet) reads as empty.

At most READ_THREADS reads run at once, and at most WAITING_READS requests wait for one:
more are HistoryBusy at once (the map says "busy", the network loop and memory do not
suffer four huge reads at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from adsbwatch.receiver.store.errors import NoStoreError
from adsbwatch.receiver.store.opening import open_history, open_watchlist_store

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import WatchEntry
    from adsbwatch.receiver.store.protocols import History

T = TypeVar("T")

READ_THREADS = 2
WAITING_READS = 16


class HistoryBusy(Exception):
    """Too many requests for the store at once: this one is not even queued."""


class HistoryReader:
    def __init__(self, db: str | None) -> None:
        self.db = db  # --db's value; None: no history
        self._threads: ThreadPoolExecutor | None = None
        self._admitted = 0  # requests reading or waiting to

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
        if self._admitted >= WAITING_READS:
            raise HistoryBusy(f"{self._admitted} requests for the store under way already")
        if self._threads is None:
            self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="history")
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, read)
        except NoStoreError:
            return empty
        finally:
            self._admitted -= 1

    def close(self) -> None:
        """Drop the reads not started; those under way end by themselves."""
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)

    def _read_now(self, query: Callable[[History], T]) -> T:
        with open_history(self.db) as history:
            return query(history)

    def _watch_entries_now(self) -> list[WatchEntry]:
        with open_watchlist_store(self.db, read_only=True) as store:
            return store.watch_entries()
